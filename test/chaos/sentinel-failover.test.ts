/**
 * Issue #13 item 2, Sentinel failover: one master, one replica and three Sentinels
 * (`redis-server <conf> --sentinel`, loopback ports, started by this file), the unchanged
 * application connected through the Sentinels with REDIS_WAIT_REPLICAS=1, callers on the
 * ARI test double. The master is SIGKILLed: Sentinel promotes the replica, logins go on by
 * themselves (no restart), and no failure count or lock counted before the kill is lost.
 * Then the old master comes back (as a replica of the new one) and failures are again
 * acknowledged by a replica before any PIN is compared.
 */
import path from 'node:path';
import { startApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { silentLogger } from '../../src/log';
import { openStore, StoreUnavailable, type Store } from '../../src/store';
import { AsteriskDouble } from '../double';
import { ARI_PASS, ARI_USER, ended, heard, hears, PARIS, PEPPER, TEST_TIMINGS, TIME_SCALE, waitUntil } from '../support/portal-harness';
import { rawCommand, startTestSentinels, type TestSentinels } from '../support/redis-cluster';

let sentinels: TestSentinels;
let double: AsteriskDouble;
let app: App;
let admin: Store;
let config: Config;

const PIN = '502938';
const WRONG = '111222';

beforeAll(async () => {
  sentinels = await startTestSentinels({ replicas: 1 });
  double = await AsteriskDouble.start({
    username: ARI_USER,
    password: ARI_PASS,
    timeScale: TIME_SCALE,
    soundsDirs: [path.resolve(__dirname, '../../sounds')],
    knownSounds: '*',
  });
  config = loadConfig({
    NODE_ENV: 'test',
    ARI_URL: double.url,
    ARI_USERNAME: ARI_USER,
    ARI_PASSWORD: ARI_PASS,
    // With Sentinels the URL's host is not used (the Sentinels name the master).
    REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_SENTINELS: sentinels.sentinelsEnv,
    REDIS_SENTINEL_NAME: sentinels.masterName,
    REDIS_WAIT_REPLICAS: '1',
    REDIS_WAIT_TIMEOUT_MS: '500',
    PIN_PEPPER: PEPPER,
  });
  app = startApp(config, silentLogger(), { timings: TEST_TIMINGS, playbackTimeoutMs: 2000 });
  await waitUntil(() => double.registeredApps().includes(config.ari.app), 10_000, 'the app registers with ARI');
  admin = openStore({ redis: config.redis, pepper: PEPPER, logger: silentLogger(), connectionName: 'test-admin' });
  await eventually(() => admin.addLocation(PARIS, 'test'));
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await app?.stop();
  await double?.close();
  await sentinels?.stop();
});

/** Retry while Redis is failing over (StoreUnavailable only). */
async function eventually<T>(operation: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await operation();
    } catch (err) {
      if (!(err instanceof StoreUnavailable) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readyUser(ext: string): Promise<string> {
  const user = await admin.createUser({ locationId: 'paris', extension: ext }, 'test');
  await admin.selfServiceSetPin(user.id, PIN, 'test');
  await admin.markNameRecorded(user.id, 'test');
  return user.id;
}

/** An own-phone call typing `pins` in turn; resolves once the call ended, with what was heard. */
async function callWithPins(ext: string, pins: string[]): Promise<string[]> {
  const call = await double.placeCall({ extension: '8000', args: ['portal', 'paris', 'internal'], callerNumber: ext });
  await hears(call, 'welcome');
  for (const [i, pin] of pins.entries()) {
    if (i > 0) await hears(call, 'enter-passcode', i);
    await call.press(`${pin}#`);
  }
  if (pins[pins.length - 1] === PIN) {
    // Into the main menu, or told the mailbox is locked (the portal then hangs up).
    await waitUntil(() => heard(call).includes('main-menu') || heard(call).includes('locked'), 8000, 'the login answer');
  } else {
    await hears(call, 'invalid-passcode', pins.length);
  }
  await call.hangup().catch(() => undefined);
  await ended(call);
  return heard(call);
}

test('the master killed: Sentinel promotes the replica, logins go on, no failure count or lock is lost', async () => {
  const alice = await readyUser('1001');
  const bob = await readyUser('1002');
  // Alice: two wrong PINs counted. Bob: locked (four wrong PINs).
  expect(await callWithPins('1001', [WRONG, WRONG])).toEqual(expect.arrayContaining(['welcome', 'invalid-passcode', 'enter-passcode', 'invalid-passcode']));
  expect((await admin.getUser(alice))?.failures).toBe(2);
  for (let i = 0; i < 4; i++) await admin.verifyUserPin('1002', WRONG, '1002');
  expect((await admin.getUser(bob))?.lockedSince).toEqual(expect.any(Number));

  const oldMaster = await sentinels.currentMaster();
  await sentinels.kill(oldMaster);
  await waitFor('Sentinel promotes the replica', async () => (await sentinels.currentMaster()) !== oldMaster);
  const newMaster = await sentinels.currentMaster();

  // Nothing counted before the kill is lost on the promoted replica.
  const aliceAfter = await eventually(() => admin.getUser(alice));
  expect(aliceAfter?.failures).toBe(2);
  expect((await admin.getUser(bob))?.lockedSince).toEqual(expect.any(Number));

  // Logins go on by themselves (the application was not restarted). The new master has
  // no replica yet: nothing to wait for.
  await eventually(async () => {
    if (!(await app.store.ping())) throw new StoreUnavailable('application store not reconnected yet');
  });
  expect(await callWithPins('1002', [PIN])).toEqual(['welcome', 'locked']);
  const login = await callWithPins('1001', [PIN]);
  expect(login).toContain('main-menu');
  expect((await admin.getUser(alice))?.failures).toBe(0);

  // The old master returns as a replica of the new one: failures are acknowledged by it.
  await sentinels.restart(oldMaster);
  await waitFor('Sentinel turns the old master into a replica of the new one', async () =>
    ((await rawCommand(oldMaster, 'INFO replication')) ?? '').includes(`master_port:${newMaster}`) &&
    ((await rawCommand(oldMaster, 'INFO replication')) ?? '').includes('master_link_status:up'),
  );
  // An attempt that timed out waiting for the replica stays counted (reserve-then-evaluate,
  // the safe side), so a retried wrong PIN is counted once per attempt made: 1 up to that.
  let attempts = 0;
  await eventually(async () => {
    attempts += 1;
    const result = await admin.verifyUserPin('1001', WRONG, '1001');
    expect(result.result).toBe('invalid');
  });
  const counted = (await admin.getUser(alice))?.failures ?? 0;
  expect(counted).toBeGreaterThanOrEqual(1);
  expect(counted).toBeLessThanOrEqual(attempts);

  // And the wait is real: with that replica frozen, a PIN is not compared (unavailable),
  // while the attempt stays counted on the master.
  sentinels.freeze(oldMaster, true);
  try {
    await expect(admin.verifyUserPin('1001', WRONG, '1001')).rejects.toBeInstanceOf(StoreUnavailable);
  } finally {
    sentinels.freeze(oldMaster, false);
  }
  expect((await admin.getUser(alice))?.failures).toBe(counted + 1);
}, 90_000);
