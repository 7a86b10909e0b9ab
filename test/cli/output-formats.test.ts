/**
 * Output for people and for scripts: `-o json|table|wide`, `--no-headers`, and colour only on
 * a terminal (NO_COLOR respected), with LOCKED in red where an operator scans for it.
 */
import { spawnSync } from 'node:child_process';
import { silentLogger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { baseEnv, json, makeRunner, PEPPER, prepareCli, type PreparedCli } from './support';

let cli: PreparedCli;
let redis: TestRedis;
let store: Store;
const admin = makeRunner(() => cli, () => redis.url);
const PIN = '39582017';
const WRONG = ['60392817', '83920461', '29058173', '71630492'];
const RED = '\u001b[1;31m';

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis();
  store = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger() });
  expect(admin(['location', 'add', 'paris', '--portal-extension', '8000']).code).toBe(0);
  expect(admin(['user', 'add', 'alice', '--location', 'paris', '--extension', '1001', '--language', 'fr']).code).toBe(0);
  expect(admin(['user', 'add', 'bob', '--location', 'paris', '--extension', '1002']).code).toBe(0);
  expect(admin(['user', 'set-pin', 'alice'], { input: `${PIN}\n` }).code).toBe(0);
  for (const pin of WRONG) await store.verifyUserPin('1001', pin, '1001');
  expect((await store.getUser('alice'))?.lockedSince).toEqual(expect.any(Number));
}, 120_000);

afterAll(async () => {
  await store?.close();
  await redis?.stop();
  cli?.cleanup();
});

test('-o json is --json', () => {
  expect(json(admin(['user', 'list', '-o', 'json']))).toEqual(json(admin(['user', 'list', '--json'])));
  expect(json(admin(['--output', 'json', 'location', 'list']))).toEqual(json(admin(['location', 'list', '--json'])));
});

test('-o wide adds columns; -o table is the default', () => {
  const table = admin(['user', 'list']).stdout;
  expect(admin(['user', 'list', '-o', 'table']).stdout).toBe(table);
  const header = (text: string): string[] => text.split('\n')[0].split(/\s{2,}/);
  expect(header(table)).toEqual(['ID', 'EXTENSION', 'NUMBER', 'LOCATION', 'PIN', 'STATE', 'FAILURES', 'NAME']);
  const wide = admin(['user', 'list', '-o', 'wide']).stdout;
  expect(header(wide)).toEqual(['ID', 'EXTENSION', 'NUMBER', 'LOCATION', 'PIN', 'STATE', 'FAILURES', 'LANG', 'CREATED', 'PIN CHANGED', 'LOCKED SINCE', 'NAME']);
  expect(wide).toMatch(/^alice\s+1001\s+-\s+paris\s+set\s+LOCKED\s+4\s+fr\s+\d{4}-/m);
  expect(header(admin(['location', 'list', '-o', 'wide']).stdout)).toContain('ADMIN FAILURES');
});

test('--no-headers leaves only the rows, for scripts', () => {
  const rows = admin(['user', 'list', '--no-headers']).stdout.trimEnd().split('\n');
  expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(['alice', 'bob']);
  // An empty table prints nothing at all (not "(none)").
  expect(admin(['throttle', 'list', '--no-headers'])).toMatchObject({ code: 0, stdout: '' });
  expect(admin(['throttle', 'list']).stdout).toBe('(none)\n');
});

test('a bad -o value is a usage error', () => {
  const run = admin(['user', 'list', '-o', 'yaml']);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/Allowed choices are json, table, wide/);
});

describe('colour', () => {
  /** Run the CLI on a pseudo-terminal (util-linux `script`), as an operator would. */
  function onTerminal(args: string[], extraEnv: Record<string, string> = {}): string {
    const env = Object.fromEntries(Object.entries({ ...baseEnv(redis.url), TERM: 'xterm', ...extraEnv }).filter((e): e is [string, string] => e[1] !== undefined));
    const command = [process.execPath, cli.main, ...args].map((a) => `'${a}'`).join(' ');
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: cli.cwd, env, encoding: 'utf8', timeout: 30_000 });
    if (run.status !== 0) throw new Error(`exit ${run.status}: ${run.stdout} ${run.stderr}`);
    return run.stdout;
  }

  test('LOCKED is red on a terminal', () => {
    const out = onTerminal(['user', 'list']);
    expect(out).toContain(`${RED}LOCKED`);
    expect(out).not.toContain(`${RED}open`);
  });

  test('never with NO_COLOR, in a pipe, or in JSON', () => {
    expect(onTerminal(['user', 'list'], { NO_COLOR: '1' })).not.toContain('\u001b[');
    expect(admin(['user', 'list']).stdout).not.toContain('\u001b[');
    expect(onTerminal(['user', 'list', '--json'])).not.toContain('\u001b[');
  });
});

describe('confirming --force on a terminal', () => {
  /** Answer the question on a pseudo-terminal: `script` gives the CLI a TTY for stdin. */
  function answerOnTerminal(args: string[], answer: string): { status: number | null; out: string } {
    const env = Object.fromEntries(Object.entries({ ...baseEnv(redis.url), TERM: 'dumb' }).filter((e): e is [string, string] => e[1] !== undefined));
    const command = [process.execPath, cli.main, ...args].map((a) => `'${a}'`).join(' ');
    const run = spawnSync('bash', ['-c', `(sleep 2; printf '%s\\r' '${answer}'; sleep 3) | script -qec "${command.replace(/"/g, '\\"')}" /dev/null`], {
      cwd: cli.cwd,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: run.status, out: run.stdout };
  }

  beforeAll(() => {
    expect(admin(['location', 'add', 'lyon', '--portal-extension', '8100']).code).toBe(0);
    expect(admin(['user', 'add', 'carol', '--location', 'lyon', '--extension', '2001']).code).toBe(0);
  }, 60_000);

  test('typing something else cancels; typing the id confirms', async () => {
    const cancelled = answerOnTerminal(['location', 'remove', 'lyon', '--force'], 'yes');
    expect(cancelled.out).toMatch(/This removes location lyon and its 1 user\(s\), with their PINs and settings\.\s+Type lyon to confirm/);
    expect(cancelled.out).toMatch(/error: not confirmed: nothing was changed/);
    expect(cancelled.status).toBe(1);
    expect(await store.getUser('carol')).not.toBeNull();

    const confirmed = answerOnTerminal(['location', 'remove', 'lyon', '--force'], 'lyon');
    expect(confirmed.out).toMatch(/Location lyon removed, with its users carol\./);
    expect(confirmed.status).toBe(0);
    expect(await store.getLocation('lyon')).toBeNull();
  }, 120_000);
});
