/**
 * Issue #13 item 4, process faults: the application (src/main.ts as a process, transpiled as
 * the CLI tests do) is SIGKILLed mid-call and started again. Asterisk keeps channels whose app
 * went away in Stasis (the double too); the new process adopts them and serves them from the
 * start of their flow. Nothing the dead process held is lost or left behind:
 * - a failure counted before the kill still counts (the lock comes at the same attempt);
 * - a deposit's reservation is dropped at start-up (older than the new process), the adopted
 *   deposit records again and is committed: one message, no reservation left;
 * - the engine of the new process ends with nothing held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { silentLogger } from '../../src/log';
import { openMessageStore, openStore, type MessageStore, type Store } from '../../src/store';
import { prepareCli, type PreparedCli } from '../cli/support';
import { AsteriskDouble } from '../double';
import type { SimCall } from '../double/control';
import { ARI_PASS, ARI_USER, ended, heard, hears, PARIS, PEPPER, recordVoice } from '../support/portal-harness';
import { AofRedis } from '../support/redis-aof';
import { ChaosTally } from './support/summary';

const REPO = path.resolve(__dirname, '..', '..');
const PIN = '502938';

let built: PreparedCli;
let redis: AofRedis;
let double: AsteriskDouble;
let admin: Store;
let messages: MessageStore;
const tally = new ChaosTally('process faults');

beforeAll(async () => {
  built = prepareCli();
  // The application's processes are killed, never Redis: no fsync per write needed (see
  // ChaosOptions.redis).
  redis = await AofRedis.start({ appendfsync: 'everysec' });
  double = await AsteriskDouble.start({ username: ARI_USER, password: ARI_PASS, timeScale: 0.05, soundsDirs: [path.join(REPO, 'sounds')], knownSounds: '*' });
  admin = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger(), connectionName: 'chaos-admin' });
  messages = openMessageStore({ redis: { url: redis.url }, connectionName: 'chaos-admin-messages' });
  await admin.addLocation(PARIS, 'chaos');
}, 60_000);
afterAll(async () => {
  tally.print(redis ? await redis.latencies() : '');
  await admin?.close();
  await messages?.close();
  await double?.close();
  await redis?.destroy();
  built?.cleanup();
});

interface Running {
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr(): string;
}

async function startMain(): Promise<Running> {
  const child = spawn(process.execPath, [path.join(path.dirname(path.dirname(built.main)), 'main.js')], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: path.join(REPO, 'node_modules'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      ARI_URL: double.url,
      ARI_USERNAME: ARI_USER,
      ARI_PASSWORD: ARI_PASS,
      REDIS_URL: redis.url,
      PIN_PEPPER: PEPPER,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A hang guard only: a cold start on a loaded machine may take several seconds.
  const deadline = Date.now() + 60_000;
  while (!double.registeredApps().includes('voice-portal')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`main did not register; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, exit, stderr: () => stderr };
}

async function kill(app: Running): Promise<void> {
  app.child.kill('SIGKILL');
  await app.exit;
  tally.faults += 1;
}

async function user(ext: string, opts: { failures?: number } = {}): Promise<string> {
  const u = await admin.createUser({ locationId: PARIS.id, extension: ext }, 'chaos');
  await admin.selfServiceSetPin(u.id, PIN, 'chaos');
  await admin.markNameRecorded(u.id, 'chaos');
  double.addStoredRecording(`voice-portal/names/${u.id}`, 2);
  for (let i = 0; i < (opts.failures ?? 0); i++) await admin.verifyUserPin(ext, '111999', ext);
  return u.id;
}

const call = (ext: string): Promise<SimCall> => double.placeCall({ callerNumber: ext, extension: PARIS.portalExtension, args: ['portal', PARIS.id, 'internal'] });

test('SIGKILL mid-call, restart: calls adopted, failures and locks kept, reservations cleaned', async () => {
  const lockId = await user('3001', { failures: 2 });
  const menuId = await user('3002');
  const depositId = await user('3003');
  let app = await startMain();
  try {
    await scenario();
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message.slice(0, 600) : String(err)}\napp stderr (last lines): ${app.stderr().slice(-3000)}`, { cause: err });
  }
  async function scenario(): Promise<void> {
  // 1. A caller who typed a third wrong PIN: the attempt is counted before it is checked.
  const guesser = await call('3001');
  await hears(guesser, 'welcome', 1, 30_000);
  await guesser.press('111999#');
  await hears(guesser, 'enter-passcode', 1, 30_000);
  // 2. A caller at the main menu.
  const menu = await call('3002');
  await hears(menu, 'welcome', 1, 30_000);
  await menu.press(`${PIN}#`);
  await hears(menu, 'main-menu', 1, 30_000);
  // 3. A deposit being recorded.
  const deposit = await double.placeCall({ callerNumber: '+33611223344', extension: '3003', args: ['deposit', '3003', 'busy'] });
  let started = 0;
  await deposit.waitFor((e) => e.kind === 'recording-started' && ++started === 1, 30_000);
  deposit.speak(1);
  expect(await messages.pending(depositId)).toHaveLength(1);
  tally.points += 3;

  await kill(app);
  expect((await admin.getUser(lockId))?.failures).toBe(3);
  app = await startMain();

  // Every channel still in Stasis is served again from the start of its flow.
  await hears(guesser, 'welcome', 2, 30_000);
  await hears(menu, 'welcome', 2, 30_000);
  await recordVoice(deposit, 2, 2);
  expect(await ended(deposit, 30_000)).toBe('app-hangup');
  const left = await messages.list(depositId);
  expect(left).toHaveLength(1);
  expect(await messages.pending(depositId)).toEqual([]);

  // The failure counted before the kill still counts: the next wrong PIN locks the mailbox.
  await guesser.press('111999#');
  await hears(guesser, 'locked', 1, 30_000);
  expect(await ended(guesser, 30_000)).toBe('app-hangup');
  expect(await admin.getUser(lockId)).toMatchObject({ failures: 4 });
  expect((await admin.getUser(lockId))?.lockedSince).toBeDefined();

  await menu.press(`${PIN}#`);
  await hears(menu, 'main-menu', 2, 30_000);
  await menu.press('9');
  expect(await ended(menu, 30_000)).toBe('app-hangup');
  expect(heard(menu).slice(-3)).toEqual(['welcome', 'main-menu', 'goodbye']);
  expect(await admin.getUser(menuId)).toMatchObject({ failures: 0 });
  tally.clean += 3;

  // Killed while idle, started again: the next call works, nothing left behind.
  await kill(app);
  app = await startMain();
  const next = await call('3002');
  await hears(next, 'welcome', 1, 30_000);
  await next.press(`${PIN}#`);
  await hears(next, 'main-menu', 1, 30_000);
  await next.hangup();
  tally.points += 1;
  tally.clean += 1;
  app.child.kill('SIGTERM');
  expect(await app.exit).toBe(0);
  expect(app.stderr()).not.toContain(PIN);
  }
}, 240_000);
