/**
 * The CLI's error contract, run as a child process: exit 2 for usage errors, 1 for refusals,
 * 3 when Redis is unreachable or refuses the credentials (within about 2 s), one `error:`
 * line on stderr and no stack trace unless --debug; configuration; pepper mismatch; --help
 * with an example on every command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRedis, type TestRedis } from '../support/redis';
import { expectNoSecretsPrinted, expectOneErrorLine, json, makeRunner, OTHER_PEPPER, PEPPER, prepareCli, startupMs, type PreparedCli } from './support';

let cli: PreparedCli;
let redis: TestRedis;
const admin = makeRunner(() => cli, () => redis.url);
const PIN = '38205917';

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis({ restartable: true });
});

afterAll(async () => {
  await redis?.stop();
  cli?.cleanup();
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

describe('usage errors: exit 2, one line', () => {
  test.each([
    [[], /missing command: voice-portal-admin needs one of default-pin, policy, location, user, throttle, audit/],
    [['user'], /missing command: voice-portal-admin user needs one of add, list, show, set, remove, reset-pin, set-pin, unlock/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['user', 'lst'], /unknown command 'lst' \(Did you mean list\?\)\n$/],
    [['user', 'reset', 'alice'], /unknown command 'reset' \(Did you mean reset-pin\?\)\n$/],
    [['user', 'list', '--lockd'], /unknown option '--lockd' \(Did you mean --locked\?\)/],
    [['user', 'show'], /missing required argument 'id'/],
    [['user', 'show', 'a', 'b'], /too many arguments/],
    [['user', 'add', 'x', '--extension', '1001'], /required option '--location <loc>' not specified/],
    [['audit', '--limit', '0'], /--limit <n>.*Expected a whole number of at least 1/],
    [['audit', '--since', 'last tuesday'], /--since <time>.*Expected an ISO 8601 time/],
    [['location', 'add', 'x', '--portal-extension', '8000', '--language', 'de'], /Allowed choices are en, fr/],
    [['user', 'set-pin', 'alice', '135792'], /too many arguments/],
  ])('%j', (args, pattern) => {
    expectOneErrorLine(admin(args), 2, pattern);
  });

  test('--version and --help exit 0 on stdout', () => {
    const version = admin(['--version']);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = admin(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/Exit codes: 0 done, 1 refused/);
  });
});

describe('--help on every command, with an example', () => {
  const commands = [
    ['default-pin'],
    ['default-pin', 'set'],
    ['default-pin', 'clear'],
    ['default-pin', 'show'],
    ['policy'],
    ['policy', 'show'],
    ['policy', 'set'],
    ['location'],
    ['location', 'add'],
    ['location', 'set'],
    ['location', 'set-passcode'],
    ['location', 'unlock'],
    ['location', 'list'],
    ['location', 'show'],
    ['location', 'remove'],
    ['user'],
    ['user', 'add'],
    ['user', 'list'],
    ['user', 'show'],
    ['user', 'set'],
    ['user', 'remove'],
    ['user', 'reset-pin'],
    ['user', 'set-pin'],
    ['user', 'unlock'],
    ['user', 'messages'],
    ['throttle'],
    ['throttle', 'list'],
    ['throttle', 'clear'],
    ['audit'],
    ['doctor'],
    ['token'],
    ['token', 'create'],
    ['token', 'list'],
    ['token', 'revoke'],
    ['import'],
    ['import', 'app-voicemail'],
    ['completion'],
    ['man'],
  ];

  test.each(commands.map((c) => c.join(' ')))('%s --help', (command) => {
    const path = command.split(' ');
    const run = admin([...path, '--help']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^Usage: voice-portal-admin ${command}(\\|[a-z]+)? `));
    expect(run.stdout).toMatch(new RegExp(`Examples?:\\n  \\$ voice-portal-admin ${path[0]}`));
    expect(run.stdout).toMatch(/--json/);
  });

  test.each([
    [['help', 'user'], 'user'],
    [['help', 'user', 'reset-pin'], 'user reset-pin'],
    [['user', 'help', 'reset-pin'], 'user reset-pin'],
    [['help', 'location', 'rm'], 'location remove'],
  ])('help forms: %j', (args, command) => {
    const run = admin(args);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^Usage: voice-portal-admin ${command}(\\|[a-z]+)? `));
  });

  test('the usual short verbs are aliases: ls, rm, get', () => {
    for (const [alias, verb] of [['ls', 'list'], ['get', 'show'], ['rm', 'remove']]) {
      const run = admin(['user', alias, '--help']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^Usage: voice-portal-admin user ${verb}\\|${alias} `));
    }
  });

  test('the list above is every command there is', () => {
    const top = admin(['--help']).stdout;
    const groups = [...top.matchAll(/^ {2}([a-z][a-z-]*)(?: \[options\])?(?: <[a-z]+>)?\s{2,}/gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(groups).toEqual(['default-pin', 'policy', 'location', 'user', 'throttle', 'audit', 'doctor', 'token', 'import', 'completion', 'man']);
    for (const group of groups.filter((g) => !['audit', 'doctor', 'completion', 'man'].includes(g))) {
      const sub = [...admin([group, '--help']).stdout.matchAll(/^ {2}([a-z][a-z-]*)(?:\|[a-z]+)?(?: \[options\])?(?: <[a-z0-9]+>)?\s{2,}/gm)]
        .map((m) => m[1])
        .filter((n) => n !== 'help');
      expect(sub.map((s) => [group, s])).toEqual(commands.filter((c) => c[0] === group && c.length === 2));
    }
  });
});

describe('configuration', () => {
  test('the pepper is required, strong, read from a file with a size cap', () => {
    expectOneErrorLine(admin(['user', 'list'], { env: { PIN_PEPPER: undefined } }), 2, /PIN_PEPPER or PIN_PEPPER_FILE is required/);
    expectOneErrorLine(admin(['user', 'list'], { env: { PIN_PEPPER: 'short' } }), 2, /PIN_PEPPER is too short .*openssl rand -hex 32/);
    expectOneErrorLine(admin(['user', 'list'], { env: { PIN_PEPPER: ' '.repeat(20) } }), 2, /PIN_PEPPER contains whitespace/);
    const weak = admin(['user', 'list'], { env: { PIN_PEPPER: '0123456789abcdef'.repeat(4) } });
    expectOneErrorLine(weak, 2, /PIN_PEPPER has too little randomness/);
    expect(weak.stderr).not.toContain('0123456789abcdef');
    expectOneErrorLine(admin(['user', 'list'], { env: { PIN_PEPPER: undefined, PIN_PEPPER_FILE: '/dev/zero' } }), 2, /PIN_PEPPER_FILE: cannot read \/dev\/zero: larger than 4096 bytes/);
    expectOneErrorLine(admin(['user', 'list'], { env: { PIN_PEPPER: undefined, PIN_PEPPER_FILE: '/nonexistent/pepper' } }), 2, /PIN_PEPPER_FILE: cannot read/);
    const dir = mkdtempSync(join(tmpdir(), 'cli-pepper-'));
    try {
      writeFileSync(join(dir, 'pepper'), `${PEPPER}\n`);
      expect(admin(['user', 'list', '--json'], { env: { PIN_PEPPER: undefined, PIN_PEPPER_FILE: join(dir, 'pepper') } })).toMatchObject({
        code: 0,
        stdout: '{\n  "users": []\n}\n',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a Redis URL that is not redis:// is a usage error; --redis-url wins over REDIS_URL', async () => {
    expectOneErrorLine(admin(['user', 'list'], { env: { REDIS_URL: 'http://127.0.0.1:1' } }), 2, /must start with redis:\/\/ or rediss:\/\//);
    const dead = `redis://127.0.0.1:${await freePort()}`;
    expect(admin(['user', 'list', '--redis-url', redis.url], { env: { REDIS_URL: dead } }).code).toBe(0);
  });
});

describe('refusals: exit 1', () => {
  test('not found, with the id, and a stack trace only with --debug', () => {
    expectOneErrorLine(admin(['user', 'show', 'ghost']), 1, /^error: no user ghost\n$/);
    const debug = admin(['--debug', 'user', 'show', 'ghost']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^error: no user ghost\n/);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  test('a PIN on stdin: an empty stdin is refused; CRLF is accepted; only the first line is read', () => {
    expect(admin(['location', 'add', 'hq', '--portal-extension', '8000']).code).toBe(0);
    expect(admin(['user', 'add', 'zoe', '--location', 'hq', '--extension', '1001']).code).toBe(0);
    expectOneErrorLine(admin(['user', 'set-pin', 'zoe']), 1, /no PIN on stdin/);
    expect(admin(['user', 'set-pin', 'zoe'], { input: `${PIN}\r\n` }).code).toBe(0);
    expectOneErrorLine(admin(['user', 'set-pin', 'zoe'], { input: `${PIN}\nsomething else\n` }), 1, /used recently/);
  });

  test('a different pepper is refused for every PIN write, and nothing is written', () => {
    const other = { PIN_PEPPER: OTHER_PEPPER };
    const before = json(admin(['audit', '--json']));
    expectOneErrorLine(admin(['default-pin', 'set'], { input: '25814703\n', env: other }), 1, /PIN_PEPPER is not the pepper this Redis was set up with/);
    expectOneErrorLine(admin(['user', 'set-pin', 'zoe'], { input: '25814703\n', env: other }), 1, /fingerprint mismatch/);
    expectOneErrorLine(admin(['user', 'reset-pin', 'zoe'], { env: other }), 1, /fingerprint mismatch/);
    expectOneErrorLine(admin(['user', 'reset-pin', 'zoe', '--random-pin'], { env: other }), 1, /fingerprint mismatch/);
    expectOneErrorLine(admin(['location', 'set-passcode', 'hq'], { input: '25814703\n', env: other }), 1, /fingerprint mismatch/);
    expectOneErrorLine(admin(['user', 'add', 'yan', '--location', 'hq', '--extension', '1002'], { env: other }), 1, /fingerprint mismatch/);
    expect(json(admin(['audit', '--json']))).toEqual(before);
    expect(json(admin(['default-pin', 'show', '--json']))).toEqual({ defaultPin: { set: false, since: null } });
    expect(json<{ user: { mustChangePin: boolean } }>(admin(['user', 'show', 'zoe', '--json'])).user.mustChangePin).toBe(false);
  });
});

describe('Redis unreachable: exit 3 within about 2 s', () => {
  test('Redis stopped: exit 3 with one error line; back once Redis is back', async () => {
    await redis.stop();
    try {
      // The PIN is not even asked for: the connection is checked first.
      const startup = startupMs(cli);
      const run = admin(['user', 'set-pin', 'zoe'], { input: `${PIN}\n` });
      expectOneErrorLine(run, 3, /^error: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ within 2 s/);
      // About 2 s of waiting plus the process start.
      expect(run.ms - startup).toBeLessThan(3000);
      expect(run.ms).toBeGreaterThanOrEqual(1400);
      expectOneErrorLine(admin(['audit']), 3, /cannot reach Redis/);
    } finally {
      await redis.start();
    }
    expect(admin(['user', 'list', '--json'])).toMatchObject({ code: 0, stdout: '{\n  "users": []\n}\n' });
  });

  test('credentials refused: exit 3, and the password is not printed', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'right-password'], {
      stdio: 'ignore',
    });
    try {
      // Wait until it accepts the right password.
      const deadline = Date.now() + 10_000;
      while (admin(['user', 'list'], { env: { REDIS_URL: `redis://:right-password@127.0.0.1:${port}` } }).code !== 0) {
        if (Date.now() > deadline) throw new Error('password-protected redis-server did not start');
      }
      const startup = startupMs(cli);
      const wrong = admin(['user', 'list'], { env: { REDIS_URL: `redis://:wrong-password@127.0.0.1:${port}` } });
      expectOneErrorLine(wrong, 3, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port} within 2 s`));
      expect(wrong.ms - startup).toBeLessThan(3000);
      expect(wrong.stderr).not.toContain('password');
      expectOneErrorLine(admin(['user', 'list'], { env: { REDIS_URL: `redis://127.0.0.1:${port}` } }), 3, /cannot reach Redis/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

afterAll(() => {
  expectNoSecretsPrinted([PIN, '25814703']);
});
