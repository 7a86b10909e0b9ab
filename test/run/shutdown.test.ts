/**
 * src/main.ts as a process (transpiled like the CLI tests do, test/cli/support.ts) against
 * the ARI double and a private Redis: configuration errors, and the SIGTERM drain — a call
 * in progress finishes within the grace period or hears "temporarily unavailable", a new
 * call during the drain is refused the same way, /readyz says so, and the exit code is 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { openStore, type Store } from '../../src/store';
import { silentLogger } from '../../src/log';
import { AsteriskDouble } from '../double';
import type { SimCall } from '../double/control';
import { prepareCli, type PreparedCli } from '../cli/support';
import { startTestRedis, type TestRedis } from '../support/redis';
import { ended, HANG_GUARD_MS, heard, hears } from '../support/portal-harness';

const REPO = path.resolve(__dirname, '..', '..');
const ARI_USER = 'voice-portal';
const ARI_PASS = 'shutdown-test-ari-password';
const PEPPER = 'd4ff9b25e1980ca057384e5185f0bcebb2b3a7cac3a2a80c2ef08662fb47bb5f';

// Each test starts a Node process and waits on it: on a machine whose cores are busy, that
// alone can take many seconds. The bounds that matter are the waits below.
jest.setTimeout(120_000);

let built: PreparedCli;
let redis: TestRedis;
let double: AsteriskDouble;
let admin: Store;

beforeAll(async () => {
  built = prepareCli();
  redis = await startTestRedis();
  double = await AsteriskDouble.start({
    username: ARI_USER,
    password: ARI_PASS,
    timeScale: 0.05,
    soundsDirs: [path.join(REPO, 'sounds')],
    knownSounds: '*',
  });
  admin = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger(), connectionName: 'test-admin' });
  await admin.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'Europe/Paris' }, 'test');
  await admin.createUser({ id: 'alice', locationId: 'paris', extension: '1001' }, 'test');
  await admin.selfServiceSetPin('alice', '860412', 'test');
  await admin.markNameRecorded('alice', 'test');
});
afterAll(async () => {
  await admin?.close();
  await double?.close();
  await redis?.stop();
  built?.cleanup();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

interface Running {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
  httpPort: number;
}

async function startMain(env: Record<string, string>, asterisk: AsteriskDouble = double): Promise<Running> {
  const httpPort = await freePort();
  const child = spawn(process.execPath, [path.join(path.dirname(path.dirname(built.main)), 'main.js')], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: path.join(REPO, 'node_modules'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      ARI_URL: asterisk.url,
      ARI_USERNAME: ARI_USER,
      ARI_PASSWORD: ARI_PASS,
      REDIS_URL: redis.url,
      PIN_PEPPER: PEPPER,
      HTTP_PORT: String(httpPort),
      ...env,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!asterisk.registeredApps().includes('voice-portal')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`main did not register; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, stderr: () => stderr, exit, httpPort };
}

async function readyz(port: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: await res.json() };
}

/** The "calls drained" log line's counts (main.ts logs JSON lines on a non-TTY stderr). */
function drainReport(stderr: string): unknown {
  const line = stderr.split('\n').find((l) => l.includes('"calls drained"'));
  if (!line) throw new Error(`no "calls drained" line in: ${stderr}`);
  const { finished, cutOff, refused } = JSON.parse(line) as Record<string, unknown>;
  return { finished, cutOff, refused };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function atMainMenu(): Promise<SimCall> {
  const call = await double.placeCall({ callerNumber: '1001', extension: '8000', args: ['portal', 'paris', 'internal'] });
  await hears(call, 'welcome');
  await call.press('860412#');
  await hears(call, 'main-menu');
  return call;
}

test('a configuration error is one line on stderr and exit 2', async () => {
  const child = spawn(process.execPath, [path.join(path.dirname(path.dirname(built.main)), 'main.js')], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(REPO, 'node_modules'), NODE_ENV: 'production', PIN_PEPPER: PEPPER },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(2);
  expect(stderr).toBe('voice-portal: configuration error: ARI_PASSWORD or ARI_PASSWORD_FILE is required\n');
});

test('SIGTERM: the call in progress finishes, a new call is refused, readyz is 503, exit 0', async () => {
  const app = await startMain({ SHUTDOWN_GRACE_MS: '20000' });
  expect((await readyz(app.httpPort)).status).toBe(200);
  const inProgress = await atMainMenu();

  app.child.kill('SIGTERM');
  // Draining: not ready any more, and a new caller is told and hung up at once.
  const deadline = Date.now() + 5000;
  let ready = await readyz(app.httpPort);
  while (ready.status !== 503 && Date.now() < deadline) ready = await readyz(app.httpPort);
  expect(ready).toEqual({ status: 503, body: { status: 'unavailable', redis: 'up', ari: 'connected', draining: true } });
  const late = await double.placeCall({ callerNumber: '1002', extension: '8000', args: ['portal', 'paris', 'internal'] });
  expect(await ended(late)).toBe('app-hangup');
  expect(heard(late)).toEqual(['temporarily-unavailable']);

  // The call in progress is served normally to its end.
  await inProgress.press('9');
  expect(await ended(inProgress)).toBe('app-hangup');
  expect(heard(inProgress)).toEqual(['welcome', 'main-menu', 'goodbye']);
  expect(await within(app.exit, 10_000, 'exit after the drain')).toBe(0);
  expect(double.registeredApps()).not.toContain('voice-portal');
  expect(drainReport(app.stderr())).toEqual({ finished: 1, cutOff: 0, refused: 1 });
  expect(app.stderr()).not.toContain('860412');
});

test('SIGTERM: a call still in progress at the deadline hears "temporarily unavailable" and is hung up, exit 0', async () => {
  const app = await startMain({ SHUTDOWN_GRACE_MS: '800' });
  const call = await atMainMenu();
  const signalledAt = Date.now();
  app.child.kill('SIGTERM');
  // The caller says nothing: the main menu would wait for a key for seconds.
  expect(await ended(call)).toBe('app-hangup');
  expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(700);
  expect(heard(call)).toEqual(['welcome', 'main-menu', 'temporarily-unavailable']);
  // It was heard to the end, not cut short.
  expect(call.log.some((e) => e.kind === 'media-finished' && e.uri === 'sound:voice-portal/temporarily-unavailable' && e.outcome === 'done')).toBe(true);
  expect(await within(app.exit, 10_000, 'exit after the deadline')).toBe(0);
  expect(drainReport(app.stderr())).toEqual({ finished: 0, cutOff: 1, refused: 0 });
});

test('SIGTERM during a recording: the recording is stopped, the notice plays, exit 0', async () => {
  // A new user with a PIN but no recorded name: the call goes straight to recording the name.
  await admin.createUser({ id: 'carol', locationId: 'paris', extension: '1003' }, 'test');
  await admin.selfServiceSetPin('carol', '860412', 'test');
  // Asterisk at real speed for this one: the name may last 10 s, and the signal has to reach
  // the application and its stop request come back before that. At the suite's time scale
  // 10 s is half a real second, which a busy machine can spend on the signal alone.
  const realTime = await AsteriskDouble.start({
    username: ARI_USER,
    password: ARI_PASS,
    timeScale: 1,
    soundsDirs: [path.join(REPO, 'sounds')],
    knownSounds: '*',
  });
  try {
    const app = await startMain({ SHUTDOWN_GRACE_MS: '50' }, realTime);
    const call = await realTime.placeCall({ callerNumber: '1003', extension: '8000', args: ['portal', 'paris', 'internal'] });
    await hears(call, 'welcome');
    await call.press('860412#');
    await call.waitFor((e) => e.kind === 'recording-started', HANG_GUARD_MS);
    call.speak(30);
    app.child.kill('SIGTERM');
    expect(await ended(call)).toBe('app-hangup');
    const finished = call.log.find((e) => e.kind === 'recording-finished');
    expect(finished).toMatchObject({ endedBy: 'stopped' });
    expect(heard(call).slice(-1)).toEqual(['temporarily-unavailable']);
    expect(await within(app.exit, 10_000, 'exit')).toBe(0);
  } finally {
    await realTime.close();
  }
});
