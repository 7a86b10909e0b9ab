/**
 * Shell completion and the manual page, both generated from the command tree: the bash script
 * loads in bash and completes commands, sub-commands, options and option values; the zsh and
 * fish scripts cover the same commands; the man page is valid roff and lists every command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRunner, prepareCli, type PreparedCli } from './support';

let cli: PreparedCli;
let dir: string;
// Neither command touches Redis: a closed loopback port proves it.
const admin = makeRunner(() => cli, () => 'redis://127.0.0.1:1');

beforeAll(() => {
  cli = prepareCli();
  dir = mkdtempSync(join(tmpdir(), 'cli-completion-'));
});
afterAll(() => {
  cli?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The top-level commands `--help` lists (the reference the scripts must match). */
function topCommands(): string[] {
  return [...admin(['--help']).stdout.matchAll(/^ {2}([a-z][a-z-]*)(?:\|[a-z]+)?(?: \[options\])?(?: <[a-z]+>)?\s{2,}/gm)].map((m) => m[1]).filter((n) => n !== 'help');
}

describe('bash', () => {
  let script: string;
  beforeAll(() => {
    const run = admin(['completion', 'bash']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    script = join(dir, 'voice-portal-admin.bash');
    writeFileSync(script, run.stdout);
  });

  /** What bash offers after typing `words` (the last one being completed). */
  function complete(...words: string[]): string[] {
    const array = ['voice-portal-admin', ...words].map((w) => `'${w}'`).join(' ');
    const run = spawnSync('bash', ['-c', `source '${script}' && COMP_WORDS=(${array}) && COMP_CWORD=${words.length} && _voice_portal_admin && printf '%s\\n' "\${COMPREPLY[@]}"`], {
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`bash: ${run.stderr}`);
    return run.stdout.split('\n').filter((l) => l !== '');
  }

  test('it loads in bash and registers the completion', () => {
    const run = spawnSync('bash', ['-c', `source '${script}' && complete -p voice-portal-admin`], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('complete -F _voice_portal_admin voice-portal-admin');
  });

  test('commands, sub-commands with their aliases, options and option values', () => {
    expect(complete('')).toEqual(topCommands());
    expect(complete('-')).toEqual(expect.arrayContaining(['--json', '-o', '--output', '--no-headers', '--yes', '--env', '--help']));
    expect(complete('user', 'unlock', 'alice', '')).toEqual(expect.arrayContaining(['--json', '--help']));
    expect(complete('us')).toEqual(['user']);
    expect(complete('user', 're')).toEqual(['remove', 'reset-pin']);
    expect(complete('user', 'l')).toEqual(['list', 'ls']);
    expect(complete('--json', 'user', 'ls', '--lo')).toEqual(['--location', '--locked']);
    expect(complete('user', 'add', 'alice', '--language', '')).toEqual(['en', 'fr']);
    expect(complete('-o', '')).toEqual(['json', 'table', 'wide']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    // A value nobody can guess (an id) gets no suggestions rather than sub-commands.
    expect(complete('user', 'list', '--location', '')).toEqual([]);
  });
});

test('zsh loads the same completion through bashcompinit', () => {
  const run = admin(['completion', 'zsh']);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^#compdef voice-portal-admin\n/);
  expect(run.stdout).toContain('autoload -U +X bashcompinit && bashcompinit');
  expect(run.stdout).toContain(admin(['completion', 'bash']).stdout);
});

test('fish completes every command, and option values', () => {
  const run = admin(['completion', 'fish']);
  expect(run.code).toBe(0);
  for (const command of topCommands()) expect(run.stdout).toContain(`-n '__voice_portal_admin_path ' -a '${command}'`);
  expect(run.stdout).toContain(`complete -c voice-portal-admin -n '__voice_portal_admin_path user add' -l language -x -a 'en fr'`);
  expect(run.stdout).toContain(`complete -c voice-portal-admin -n '__voice_portal_admin_path user' -a 'reset-pin'`);
});

test('an unknown shell is a usage error', () => {
  const run = admin(['completion', 'powershell']);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
});

describe('man page', () => {
  test('valid roff that man renders, listing every command and the global options', () => {
    const page = admin(['man']);
    expect(page).toMatchObject({ code: 0, stderr: '' });
    const lint = spawnSync('groff', ['-man', '-ww', '-z'], { input: page.stdout, encoding: 'utf8' });
    expect(lint.stderr).toBe('');
    const rendered = spawnSync('man', ['-l', '-'], { input: page.stdout, encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat' } });
    expect(rendered.status).toBe(0);
    // man may over-strike bold text (x BACKSPACE x): keep the printed characters.
    const text = rendered.stdout.split('\b').map((part, i, parts) => (i < parts.length - 1 ? part.slice(0, -1) : part)).join('');
    expect(text).toMatch(/^VOICE-PORTAL-ADMIN\(1\)/);
    for (const command of topCommands()) expect(text).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    for (const entry of ['user reset-pin <id>', 'location remove <id>', '--no-headers', '--yes', 'PIN_PEPPER', 'Exit codes']) expect(text).toContain(entry);
  });
});
