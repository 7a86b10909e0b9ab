/**
 * Issue #14 with real parts: two ARI test doubles standing for two Asterisk servers (`a` and
 * `b`, one recording spool mounted by both), one private Redis, and application instances as
 * separate `node` processes with ARI_LEASE=on. Instance 1 prefers `a`, instance 2 prefers
 * `b` (ARI_LEASE_PREFER), so each is active for one server and standby for the other.
 *
 * The scenarios share that set-up and run in order: a deposit through one server seen
 * through the other; 50 parallel wrong PINs on one mailbox over both servers and both
 * instances; the active instance of `a` SIGKILLed mid-call; a planned handover (SIGTERM).
 * How fast failover is lives in `npm run bench -- failover`, not here.
 */
import path from 'node:path';
import { openLeaseStore, openMessageStore, openStore, type LeaseStore, type MessageStore, type Store } from '../../src/store';
import { silentLogger } from '../../src/log';
import { AsteriskDouble } from '../double';
import type { SharedRecordingSpool, SimCall } from '../double/control';
import { prepareCli, type PreparedCli } from '../cli/support';
import { startTestRedis, type TestRedis } from '../support/redis';
import { ARI_PASS, ARI_USER, ended, heard, hears, PARIS, PEPPER, recordVoice, TIME_SCALE } from '../support/portal-harness';
import { startInstance, stopAll, REPO, type Instance } from './support';

const ALICE_PIN = '502938';
const BOB_PIN = '613904';
const WRONG_PIN = '480137';

let built: PreparedCli;
let redis: TestRedis;
let a: AsteriskDouble;
let b: AsteriskDouble;
let admin: Store;
let messages: MessageStore;
let leases: LeaseStore;
const instances: Instance[] = [];
let one: Instance;
let two: Instance;

async function startDouble(spool: SharedRecordingSpool, asteriskId: string): Promise<AsteriskDouble> {
  return AsteriskDouble.start({
    username: ARI_USER,
    password: ARI_PASS,
    timeScale: TIME_SCALE,
    soundsDirs: [path.join(REPO, 'sounds')],
    knownSounds: '*',
    sharedRecordings: spool,
    asteriskId,
  });
}

async function instance(name: string, prefer: string): Promise<Instance> {
  const started = await startInstance({
    name,
    built,
    redisUrl: redis.url,
    servers: [
      { name: 'a', url: a.url },
      { name: 'b', url: b.url },
    ],
    ariUser: ARI_USER,
    ariPassword: ARI_PASS,
    env: { ARI_LEASE_PREFER: prefer, SHUTDOWN_GRACE_MS: '10000' },
  });
  instances.push(started);
  return started;
}

beforeAll(async () => {
  built = prepareCli();
  redis = await startTestRedis();
  const spool: SharedRecordingSpool = new Map();
  a = await startDouble(spool, '02:fc:00:00:00:0a');
  b = await startDouble(spool, '02:fc:00:00:00:0b');
  admin = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger(), connectionName: 'test-admin' });
  messages = openMessageStore({ redis: { url: redis.url }, connectionName: 'test-messages' });
  leases = openLeaseStore({ redis: { url: redis.url }, app: 'voice-portal', connectionName: 'test-leases' });
  await admin.addLocation(PARIS, 'test');
  for (const [id, extension, pin] of [
    ['alice', '1001', ALICE_PIN],
    ['bob', '1002', BOB_PIN],
  ] as const) {
    await admin.createUser({ id, locationId: 'paris', extension }, 'test');
    await admin.selfServiceSetPin(id, pin, 'test');
    await admin.markNameRecorded(id, 'test');
  }
  [one, two] = await Promise.all([instance('one', 'a'), instance('two', 'b')]);
  // Each holds its preferred server and stands by for the other (readyz says which).
  await one.waitReady((r) => r.status === 'ready' && r.servers?.a?.lease === 'active' && r.servers?.b?.lease === 'standby');
  await two.waitReady((r) => r.status === 'ready' && r.servers?.b?.lease === 'active' && r.servers?.a?.lease === 'standby');
}, 60_000);

afterAll(async () => {
  await stopAll(instances);
  await leases?.close();
  await messages?.close();
  await admin?.close();
  await a?.close();
  await b?.close();
  await redis?.stop();
  built?.cleanup();
});

/** Own phone (the dialplan marks it internal): straight to the PIN prompt after the welcome. */
function ownPhone(server: AsteriskDouble, extension: string): Promise<SimCall> {
  return server.placeCall({ callerNumber: extension, extension: '8000', args: ['portal', 'paris', 'internal'] });
}

test('readyz: one instance per server is active, the other stands by; a standby holds no events socket', async () => {
  const [r1, r2] = await Promise.all([one.readyz(), two.readyz()]);
  expect(r1).toEqual({
    status: 200,
    body: { status: 'ready', redis: 'up', ari: 'connected', draining: false, role: 'partial', servers: { a: { ari: 'connected', lease: 'active' }, b: { ari: 'standby', lease: 'standby' } } },
  });
  expect(r2.body.servers).toEqual({ a: { ari: 'standby', lease: 'standby' }, b: { ari: 'connected', lease: 'active' } });
  // Asterisk gives the app to the newest socket: a standby with one would have stolen it.
  expect(a.socketCount('voice-portal')).toBe(1);
  expect(b.socketCount('voice-portal')).toBe(1);
  const [leaseA, leaseB] = await Promise.all([leases.read('a'), leases.read('b')]);
  expect(leaseA?.holder).toContain(`:${one.child.pid}:`);
  expect(leaseB?.holder).toContain(`:${two.child.pid}:`);
});

test('a deposit through server a lights the lamp on a and b and is heard when the user calls through b', async () => {
  const deposit = await a.placeCall({ callerNumber: '+33611223344', callerName: 'Zoe', extension: '1001', args: ['deposit', '1001', 'unavailable'] });
  await recordVoice(deposit, 2);
  expect(await ended(deposit)).toBe('app-hangup');
  const [message] = await messages.list('alice');
  expect(message).toMatchObject({ status: 'new', callerNumber: '+33611223344' });
  const recording = `voice-portal/vm/alice/${message!.id}`;
  // Both servers mount the spool; both lamps are lit (MWI_SERVERS default: every server).
  expect(a.storedRecordings().has(recording)).toBe(true);
  expect(b.storedRecordings().has(recording)).toBe(true);
  for (const server of [a, b]) {
    await waitFor(() => server.mailboxes().get('1001@voice-portal')?.newMessages === 1, 'the lamp on both servers');
  }

  // Through b (served by the other instance): listed, and its audio plays from the shared spool.
  const call = await ownPhone(b, '1001');
  await hears(call, 'welcome');
  await call.press(`${ALICE_PIN}#`);
  await hears(call, 'main-menu');
  await call.press('1');
  await hears(call, `recording:${recording}`);
  await hears(call, 'message-menu');
  await call.hangup();
  expect(heard(call).slice(0, 7)).toEqual(['welcome', 'you-have', 'number:1', 'new-messages', 'and', 'number:0', 'saved-messages']);
  // Heard = saved: both lamps follow.
  for (const server of [a, b]) {
    await waitFor(() => server.mailboxes().get('1001@voice-portal')?.newMessages === 0, 'both lamps off after listening');
  }
});

test('50 parallel wrong PINs on one mailbox over both servers and both instances: exactly 4 evaluated', async () => {
  const calls = await Promise.all(Array.from({ length: 50 }, (_, i) => ownPhone(i % 2 === 0 ? a : b, '1002')));
  await Promise.all(calls.map((call) => hears(call, 'welcome', 1, 20_000)));
  await Promise.all(calls.map((call) => call.press(`${WRONG_PIN}#`)));
  // Every caller gets an answer (invalid or locked), then hangs up.
  await Promise.all(
    calls.map(async (call) => {
      await call.waitFor((e) => e.kind === 'media-started' && /invalid-passcode|locked/.test(e.uri), 30_000);
      await call.hangup();
    }),
  );
  const events = await admin.readAudit({ userId: 'bob', limit: 1000 });
  const count = (type: string, outcome?: string): number => events.filter((e) => e.type === type && (!outcome || e.outcome === outcome)).length;
  const evaluated = count('login-failed', 'wrong-pin');
  expect(evaluated).toBe(4);
  expect(count('locked')).toBe(1);
  // No attempt lost, none counted twice: each of the 50 was evaluated, refused as locked, or
  // (at most one) locked the mailbox unevaluated because more than 4 were pending at once.
  const lockedUnevaluated = events.filter((e) => e.type === 'locked' && /pending/.test(e.detail ?? '')).length;
  expect(evaluated + count('login-refused-locked') + lockedUnevaluated).toBe(50);
  expect(await admin.getUser('bob')).toMatchObject({ lockedSince: expect.any(Number) });
  // Both instances served: each server's 25 calls by its own active instance.
  const started = (inst: Instance, server: string): number =>
    inst.stderr().split('\n').filter((l) => l.includes('"call started"') && l.includes(`"server":"${server}"`) && l.includes('PJSIP/1002-')).length;
  // Info lines reach stderr in batches of up to 50 ms (src/log.ts): the last ones may still wait.
  await waitFor(() => started(one, 'a') >= 25 && started(two, 'b') >= 25, "each instance's 25 'call started' lines");
  expect(started(one, 'b') + started(two, 'a')).toBe(0);
  await admin.unlockUser('bob', 'test');
}, 60_000);

test('the active instance of a is SIGKILLed mid-call: the standby adopts the call and serves the next one', async () => {
  const inProgress = await ownPhone(a, '1001');
  await hears(inProgress, 'welcome');
  await inProgress.press(`${WRONG_PIN}#`);
  await hears(inProgress, 'invalid-passcode');
  const tokenBefore = (await leases.read('a'))!.token;

  one.kill('SIGKILL');
  await one.exit;
  // Nobody serves a now; its app lives on through the call in progress, so the next call
  // enters Stasis (its StasisStart goes nowhere) and is adopted at the takeover.
  const next = await ownPhone(a, '1001');
  expect(next.stasisFailed).toBe(false);
  await hears(next, 'welcome', 1, 20_000);
  await two.waitReady((r) => r.servers?.a?.lease === 'active' && r.servers?.b?.lease === 'active' && r.role === 'active');
  const lease = await leases.read('a');
  expect(lease?.holder).toContain(`:${two.child.pid}:`);
  expect(lease!.token).toBeGreaterThan(tokenBefore); // fenced: a new token

  // The call in progress starts over on the new holder; the wrong PIN typed before the kill
  // stays counted once, and the right one now logs in.
  await hears(inProgress, 'welcome', 2, 20_000);
  await inProgress.press(`${ALICE_PIN}#`);
  await hears(inProgress, 'main-menu');
  await next.press(`${ALICE_PIN}#`);
  await hears(next, 'main-menu');
  await Promise.all([inProgress.hangup(), next.hangup()]);
  const events = await admin.readAudit({ userId: 'alice', limit: 1000 });
  const since = events.findIndex((e) => e.type === 'login-failed');
  expect(events.slice(since).map((e) => `${e.type}/${e.outcome}`).filter((t) => t.startsWith('login'))).toEqual(['login-failed/wrong-pin', 'login-ok/ok', 'login-ok/ok']);
  expect(two.stderr()).toContain('lease taken: this instance is now active for the server');
}, 60_000);

test('SIGTERM hands the leases over at once: a new standby becomes active before they could lapse', async () => {
  const three = await instance('three', 'a,b');
  await three.waitReady((r) => r.role === 'standby');
  const held = Object.entries((await two.readyz()).body.servers ?? {}).filter(([, s]) => s.lease === 'active').map(([name]) => name);
  expect(held.length).toBeGreaterThan(0);
  const before = await Promise.all(held.map((server) => leases.read(server)));
  two.kill('SIGTERM');
  await three.waitReady((r) => r.status === 'ready' && held.every((server) => r.servers?.[server]?.lease === 'active' && r.servers[server]?.ari === 'connected'), 20_000);
  const after = await Promise.all(held.map((server) => leases.read(server)));
  for (const [i, lease] of after.entries()) {
    expect(lease?.holder).toContain(`:${three.child.pid}:`);
    expect(lease!.token).toBeGreaterThan(before[i]!.token);
  }
  expect(await two.exit).toBe(0);
  expect(two.stderr()).toContain('lease released for a planned handover');
  // Served at once by the new holder.
  const call = await ownPhone(held[0] === 'a' ? a : b, '1001');
  try {
    await hears(call, 'welcome');
  } catch (e) {
    console.log(three.stderr().slice(-6000));
    console.log('TWO', two.stderr().slice(-4000));
    throw e;
  }
  await call.hangup();
}, 60_000);

test('a holder paused past its lease (SIGSTOP) is replaced; on waking it stands down without touching the calls', async () => {
  const paused = instances[instances.length - 1]!;
  await paused.waitReady((r) => r.role === 'active');
  const four = await instance('four', 'a,b');
  await four.waitReady((r) => r.role === 'standby');
  const call = await ownPhone(a, '1001');
  await hears(call, 'welcome');

  paused.kill('SIGSTOP');
  try {
    await four.waitReady((r) => r.status === 'ready' && r.role === 'active', 20_000);
    await hears(call, 'welcome', 2, 20_000); // adopted by the new holder
  } finally {
    paused.kill('SIGCONT');
  }
  // Awake again: it finds its deadline passed and its renewal refused, and stands by.
  await paused.waitReady((r) => r.role === 'standby' && r.status === 'standby', 20_000);
  expect(paused.stderr()).toContain('lease lost: standing by');
  // The call was neither hung up nor played to by the old holder: the new one serves it.
  expect(call.state).toBe('Up');
  await call.press(`${ALICE_PIN}#`);
  await hears(call, 'main-menu');
  await call.hangup();
  expect(heard(call).filter((p) => p === 'temporarily-unavailable')).toEqual([]);
}, 60_000);

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
