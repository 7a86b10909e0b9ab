/**
 * scripts/install.sh, the production install, run into a temporary root: runtime dependencies
 * only, the CLI on PATH reading the service's env file, the env file private to the service's
 * group, and a systemd unit that systemd accepts, with a non-root user, a restart policy and
 * hardening. Needs the build (dist/), which .ci/run makes before the tests; built here if absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
let root: string;
const dirs = (): Record<'prefix' | 'bin' | 'etc' | 'units' | 'man' | 'completion', string> => ({
  prefix: join(root, 'opt', 'voice-portal'),
  bin: join(root, 'bin'),
  etc: join(root, 'etc', 'voice-portal'),
  units: join(root, 'units'),
  man: join(root, 'man', 'man1'),
  completion: join(root, 'bash_completion.d'),
});

function install(): { status: number | null; stdout: string; stderr: string } {
  const d = dirs();
  const args = ['--prefix', d.prefix, '--bin-dir', d.bin, '--etc-dir', d.etc, '--unit-dir', d.units, '--man-dir', d.man, '--completion-dir', d.completion, '--no-user', '--no-build'];
  const run = spawnSync('bash', [join(REPO, 'scripts', 'install.sh'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 240_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  if (!existsSync(join(REPO, 'dist', 'src', 'main.js'))) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8', timeout: 240_000 });
    if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  }
  root = mkdtempSync(join(tmpdir(), 'voice-portal-install-'));
  const first = install();
  if (first.status !== 0) throw new Error(`install.sh failed (${first.status}): ${first.stdout}\n${first.stderr}`);
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the install carries runtime dependencies only', () => {
  const modules = join(dirs().prefix, 'node_modules');
  for (const runtime of ['ari-client', 'ioredis', 'winston', 'commander']) expect(existsSync(join(modules, runtime))).toBe(true);
  for (const dev of ['jest', 'typescript', 'ts-node', 'eslint', 'testcontainers', 'ts-jest']) expect(existsSync(join(modules, dev))).toBe(false);
  expect(existsSync(join(dirs().prefix, 'src'))).toBe(false);
  expect(existsSync(join(dirs().prefix, 'test'))).toBe(false);
});

test('voice-portal-admin is on PATH and reads the service env file', () => {
  const env = { PATH: `${dirs().bin}:${process.env.PATH ?? ''}` };
  const version = spawnSync('voice-portal-admin', ['--version'], { env, encoding: 'utf8' });
  expect({ status: version.status, stdout: version.stdout.trim() }).toEqual({ status: 0, stdout: JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version });
  // The env file written from .env.example has no pepper yet: the CLI says so (it read the file).
  const list = spawnSync('voice-portal-admin', ['user', 'list'], { env, encoding: 'utf8', cwd: root });
  expect(list.status).toBe(2);
  expect(list.stderr).toMatch(/^error: .*PIN_PEPPER/);
});

test('its man page and bash completion are installed beside it', () => {
  expect(readFileSync(join(dirs().man, 'voice-portal-admin.1'), 'utf8')).toMatch(/^\.TH VOICE\\-PORTAL\\-ADMIN 1 /);
  expect(readFileSync(join(dirs().completion, 'voice-portal-admin'), 'utf8')).toContain('complete -F _voice_portal_admin voice-portal-admin');
});

test('the env file is private to the service group and kept on a re-install', () => {
  const file = join(dirs().etc, 'voice-portal.env');
  expect(statSync(file).mode & 0o777).toBe(0o640);
  expect(statSync(dirs().etc).mode & 0o777).toBe(0o750);
  writeFileSync(file, 'PIN_PEPPER=operator-edited\n');
  const again = install();
  expect(again.status).toBe(0);
  expect(again.stdout).toMatch(/kept .*voice-portal\.env/);
  expect(readFileSync(file, 'utf8')).toBe('PIN_PEPPER=operator-edited\n');
}, 300_000);

test('the installed application starts with the runtime dependencies alone', () => {
  const run = spawnSync(process.execPath, [join(dirs().prefix, 'dist', 'src', 'main.js'), '--env', join(dirs().etc, 'voice-portal.env')], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  // It loaded its modules and read its configuration: the placeholder env file is refused.
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/^voice-portal: configuration error: /);
});

describe('the systemd unit', () => {
  const unit = (): string => readFileSync(join(dirs().units, 'voice-portal.service'), 'utf8');
  const directive = (name: string): string | undefined => new RegExp(`^${name}=(.*)$`, 'm').exec(unit())?.[1];

  test('runs the installed app as a non-root user with the env file, restarts it, and hardens it', () => {
    expect(directive('User')).toBe('voice-portal');
    expect(directive('ExecStart')).toBe(`/usr/bin/node ${dirs().prefix}/dist/src/main.js`);
    expect(directive('EnvironmentFile')).toBe(`${dirs().etc}/voice-portal.env`);
    expect(directive('Restart')).toBe('always');
    // A configuration error (exit 2) is not retried for ever.
    expect(directive('RestartPreventExitStatus')).toBe('2');
    // More than the default SHUTDOWN_GRACE_MS (30 s) so the drain ends before SIGKILL.
    expect(Number(directive('TimeoutStopSec'))).toBeGreaterThan(30);
    for (const name of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'RestrictSUIDSGID']) expect(directive(name)).toBe('yes');
    expect(directive('ProtectSystem')).toBe('strict');
    expect(directive('CapabilityBoundingSet')).toBe('');
  });

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  (analyze.status === 0 ? test : test.skip)('systemd-analyze verify accepts it', () => {
    const run = spawnSync('systemd-analyze', ['verify', join(dirs().units, 'voice-portal.service')], { encoding: 'utf8' });
    // A missing user is only reported by systemd at start; everything else must be clean.
    expect(run.stderr.split('\n').filter((l) => l !== '' && !/User|Group/.test(l))).toEqual([]);
    expect(run.status).toBe(0);
  });
});
