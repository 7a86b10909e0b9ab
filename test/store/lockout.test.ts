/**
 * Lockout against a real Redis: reserve-then-evaluate (counted before the PIN is compared), the
 * lock, concurrency across many connections, the spray throttle, admin passcode lockout.
 */
import Redis from 'ioredis';
import { startTestRedis, type TestRedis } from '../support/redis';
import { throttleKey, userKey } from '../../src/store/keys';
import { openMessageStore, type Store } from '../../src/store';
import { countingHasher, deferred, dumpEverything, openTestStore, secretsFound, waitFor, type CountingHasher } from './helpers';

// 8-digit PINs that pass the policy and cannot appear by chance inside stored values.
const RIGHT = '47185920';
const WRONG = ['60392817', '83920461', '29058173', '71630492', '58204716'];
const ADMIN = '93817264';
const usedPins = [RIGHT, ...WRONG, ADMIN];

let redis: TestRedis;
let store: Store;
let hasher: CountingHasher;
let raw: Redis;
let seq = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  hasher = countingHasher();
  store = openTestStore(redis.url, { hasher });
  raw = new Redis(redis.url);
  await store.addLocation({ id: 'paris', name: 'Paris', portalNumber: '+33100000000', portalExtension: '800', language: 'fr', timeZone: 'Europe/Paris', adminPasscode: ADMIN }, 'op');
});

afterAll(async () => {
  const texts = await dumpEverything(redis.url);
  expect(texts.length).toBeGreaterThan(20);
  expect(secretsFound(texts, usedPins)).toEqual([]);
  await store.close();
  raw.disconnect();
  await redis.stop();
});

/** A fresh user with PIN RIGHT; returns its id and extension. */
async function userWithPin(): Promise<{ id: string; extension: string; number: string }> {
  seq++;
  const extension = String(2000 + seq);
  const number = `+3361000${String(seq).padStart(4, '0')}`;
  const user = await store.createUser({ id: `u${seq}`, locationId: 'paris', extension, number }, 'op');
  await store.selfServiceSetPin(user.id, RIGHT, 'op');
  return { id: user.id, extension, number };
}

test('wrong PINs count up, the 4th locks at once, a locked mailbox evaluates and counts nothing, even the right PIN', async () => {
  const u = await userWithPin();
  const before = hasher.evaluations;
  expect(await store.verifyUserPin(u.extension, WRONG[0], u.number)).toEqual({ result: 'invalid', attemptsLeft: 3 });
  expect(await store.verifyUserPin(u.extension, WRONG[1], u.number)).toEqual({ result: 'invalid', attemptsLeft: 2 });
  expect(await store.verifyUserPin(u.extension, WRONG[2], u.number)).toEqual({ result: 'invalid', attemptsLeft: 1 });
  expect(await store.verifyUserPin(u.extension, WRONG[3], u.number)).toEqual({ result: 'locked' });
  expect(hasher.evaluations - before).toBe(4);
  const locked = await store.getUser(u.id);
  expect(locked?.lockedSince).toEqual(expect.any(Number));
  expect(locked?.failures).toBe(4);
  expect(await store.verifyUserPin(u.extension, RIGHT, u.number)).toEqual({ result: 'locked' });
  expect(hasher.evaluations - before).toBe(4);
  expect((await store.getUser(u.id))?.failures).toBe(4);
  // No TTL on lock state.
  expect(await raw.ttl(userKey(u.id))).toBe(-1);
  const audit = await store.readAudit({ userId: u.id });
  expect(audit.filter((e) => e.type === 'login-failed').length).toBe(4);
  expect(audit.filter((e) => e.type === 'locked').length).toBe(1);
  expect(audit.filter((e) => e.type === 'login-refused-locked').length).toBe(1);
});

test('a correct PIN comes with the mailbox\'s message counts as the login settled (for the main menu)', async () => {
  const u = await userWithPin();
  const messages = openMessageStore({ redis: { url: redis.url }, connectionName: 'lockout-test-messages' });
  try {
    const left = async (): Promise<string> => {
      const r = await messages.reserve(u.id, { maxMessages: 10, staleAfterMs: 60_000 });
      if (r.result !== 'ok') throw new Error('mailbox full');
      await messages.commit(u.id, r.messageId, { receivedAt: Date.now(), callerNumber: '5550400', callerName: '', durationSec: 3 });
      return r.messageId;
    };
    const first = await left();
    await left();
    await left();
    await messages.setStatus(u.id, first, 'saved');
    expect(await store.verifyUserPin(u.number, RIGHT, u.number)).toMatchObject({ result: 'ok', messages: { newMessages: 2, oldMessages: 1 } });
    // A wrong PIN says nothing about the mailbox.
    expect(await store.verifyUserPin(u.number, WRONG[0], u.number)).toEqual({ result: 'invalid', attemptsLeft: 3 });
  } finally {
    await messages.close();
  }
});

test('a correct PIN resets the consecutive count', async () => {
  const u = await userWithPin();
  for (const pin of WRONG.slice(0, 3)) await store.verifyUserPin(u.number, pin, u.number);
  expect((await store.getUser(u.id))?.failures).toBe(3);
  expect(await store.verifyUserPin(u.number, RIGHT, u.number)).toEqual({ result: 'ok', mustChange: false, mustRecordName: true, userId: u.id, messages: { newMessages: 0, oldMessages: 0 } });
  expect((await store.getUser(u.id))?.failures).toBe(0);
  for (const pin of WRONG.slice(0, 3)) expect((await store.verifyUserPin(u.extension, pin, u.number)).result).toBe('invalid');
  expect((await store.getUser(u.id))?.lockedSince).toBeUndefined();
});

test('50 concurrent wrong PINs from 10 connections: exactly 4 evaluated, the rest refused uncounted, then locked with failures at 4', async () => {
  const u = await userWithPin();
  const shared = countingHasher();
  const stores = Array.from({ length: 10 }, () => openTestStore(redis.url, { hasher: shared }));
  try {
    await Promise.all(stores.map((s) => s.getPolicy()));
    // Hold every evaluation until all 50 attempts have been reserved.
    const gate = deferred();
    shared.gate = gate.promise;
    let answered = 0;
    const attempts = Array.from({ length: 50 }, (_, i) =>
      stores[i % 10].verifyUserPin(u.extension, WRONG[i % WRONG.length], u.number).then((r) => {
        answered++;
        return r;
      }),
    );
    // 4 are reserved and held in the hasher; the 46 others are refused at the limit at once.
    await waitFor(() => answered === 46);
    expect((await store.getUser(u.id))?.failures).toBe(4);
    expect((await store.getUser(u.id))?.lockedSince).toBeUndefined();
    gate.resolve();
    const results = await Promise.all(attempts);
    expect(shared.evaluations).toBe(4);
    expect(results.filter((r) => r.result === 'invalid').length).toBe(3);
    expect(results.filter((r) => r.result === 'locked').length).toBe(47);
    const after = await store.getUser(u.id);
    expect(after?.lockedSince).toEqual(expect.any(Number));
    expect(after?.failures).toBe(4);
    expect(await store.verifyUserPin(u.extension, RIGHT, u.number)).toEqual({ result: 'locked' });
    const audit = await store.readAudit({ userId: u.id });
    expect(audit.filter((e) => e.type === 'login-failed' && e.outcome === 'wrong-pin').length).toBe(4);
    expect(audit.filter((e) => e.type === 'login-refused-locked' && e.outcome === 'refused').length).toBe(47);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});

test('50 concurrent wrong PINs without holding them: never more than 4 evaluated', async () => {
  const u = await userWithPin();
  const shared = countingHasher();
  const stores = Array.from({ length: 10 }, () => openTestStore(redis.url, { hasher: shared }));
  try {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 10].verifyUserPin(u.extension, WRONG[i % 5], u.number)));
    expect(shared.evaluations).toBe(4);
    expect(results.filter((r) => r.result === 'locked').length).toBeGreaterThanOrEqual(46);
    expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});

test('the 4th attempt arriving while 3 wrong ones are in flight is evaluated; the last of the 4 to settle locks', async () => {
  const u = await userWithPin();
  const gate = deferred();
  hasher.gate = gate.promise;
  const before = hasher.evaluations;
  const inFlight = WRONG.slice(0, 3).map((pin) => store.verifyUserPin(u.extension, pin, u.number));
  await waitFor(() => hasher.evaluations - before === 3);
  hasher.gate = undefined;
  // The 4th is reserved as number 4 and compared at once: wrong, but 3 are still pending
  // (one of them could be the right PIN), so it does not lock yet.
  expect(await store.verifyUserPin(u.extension, WRONG[3], u.number)).toEqual({ result: 'invalid', attemptsLeft: 0 });
  expect((await store.getUser(u.id))?.lockedSince).toBeUndefined();
  gate.resolve();
  expect((await Promise.all(inFlight)).map((r) => r.result).sort()).toEqual(['invalid', 'invalid', 'locked']);
  expect(hasher.evaluations - before).toBe(4);
  expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
  // A 5th: not evaluated.
  expect(await store.verifyUserPin(u.extension, RIGHT, u.number)).toEqual({ result: 'locked' });
  expect(hasher.evaluations - before).toBe(4);
});

test('the right PIN as 4th attempt while 3 wrong are in flight logs in and leaves the mailbox open', async () => {
  const u = await userWithPin();
  const gate = deferred();
  hasher.gate = gate.promise;
  const before = hasher.evaluations;
  const inFlight = WRONG.slice(0, 3).map((pin) => store.verifyUserPin(u.extension, pin, u.number));
  await waitFor(() => hasher.evaluations - before === 3);
  hasher.gate = undefined;
  expect((await store.verifyUserPin(u.extension, RIGHT, u.number)).result).toBe('ok');
  gate.resolve();
  expect((await Promise.all(inFlight)).map((r) => r.result)).toEqual(['invalid', 'invalid', 'invalid']);
  const after = await store.getUser(u.id);
  expect(after?.lockedSince).toBeUndefined();
  expect(after?.failures).toBe(0);
});

test('attempts at the limit still pending refuse the next one uncounted; once abandoned, the next one locks, unevaluated', async () => {
  const u = await userWithPin();
  // Three failures, then a 4th attempt reserved whose outcome never arrives (hang-up, crash).
  for (const pin of WRONG.slice(0, 3)) await store.verifyUserPin(u.extension, pin, u.number);
  await raw.hincrby(userKey(u.id), 'failures', 1);
  const before = hasher.evaluations;
  // Just reserved: it may still be hashing. Refused, not counted, not locked.
  expect(await store.verifyUserPin(u.extension, RIGHT, u.number)).toEqual({ result: 'locked' });
  expect(await store.getUser(u.id)).toMatchObject({ failures: 4 });
  expect((await store.getUser(u.id))?.lockedSince).toBeUndefined();
  expect((await store.readAudit({ userId: u.id })).at(-1)).toMatchObject({ type: 'login-refused-locked', outcome: 'refused' });
  // Reserved long ago (the Redis clock decides): abandoned.
  await raw.hset(userKey(u.id), 'reservedAt', 0);
  expect(await store.verifyUserPin(u.extension, RIGHT, u.number)).toEqual({ result: 'locked' });
  expect(hasher.evaluations).toBe(before);
  expect((await store.getUser(u.id))?.failures).toBe(4);
  expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
  const audit = await store.readAudit({ userId: u.id });
  expect(audit.at(-1)?.type).toBe('locked');
});

test('a correct PIN verified against a hash replaced meanwhile neither logs in nor resets the new count', async () => {
  const u = await userWithPin();
  const gate = deferred();
  hasher.gate = gate.promise;
  const before = hasher.evaluations;
  const slow = store.verifyUserPin(u.extension, RIGHT, u.number);
  await waitFor(() => hasher.evaluations - before === 1);
  hasher.gate = undefined;
  // Meanwhile an administrator resets the PIN (no default PIN: no PIN at all)...
  await store.adminResetPin(u.id, 'op');
  gate.resolve();
  expect((await slow).result).toBe('invalid');
  expect((await store.getUser(u.id))?.hasPin).toBe(false);
});

test('a slow correct PIN is not locked out by guesses counted around it, and settles only its own attempts', async () => {
  const u = await userWithPin();
  const gate = deferred();
  hasher.gate = gate.promise;
  const before = hasher.evaluations;
  const slow = store.verifyUserPin(u.extension, RIGHT, u.number);
  await waitFor(() => hasher.evaluations - before === 1);
  hasher.gate = undefined;
  for (const pin of WRONG.slice(0, 3)) await store.verifyUserPin(u.extension, pin, u.number);
  // 4 counted, one of them (the right PIN) still pending: refused, not locked.
  expect(await store.getUser(u.id)).toMatchObject({ failures: 4 });
  expect((await store.getUser(u.id))?.lockedSince).toBeUndefined();
  expect(await store.verifyUserPin(u.extension, WRONG[3], u.number)).toEqual({ result: 'locked' });
  expect(hasher.evaluations - before).toBe(4);
  gate.resolve();
  expect((await slow).result).toBe('ok');
  // The 3 guesses counted after the right PIN's reservation stay counted (issue #11).
  expect((await store.getUser(u.id))?.failures).toBe(3);
  expect(await store.verifyUserPin(u.extension, WRONG[4], u.number)).toEqual({ result: 'locked' });
  expect(hasher.evaluations - before).toBe(5);
  expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
});

test('a slow correct PIN does not lift a lock set meanwhile', async () => {
  const u = await userWithPin();
  const gate = deferred();
  hasher.gate = gate.promise;
  const before = hasher.evaluations;
  const slow = store.verifyUserPin(u.extension, RIGHT, u.number);
  await waitFor(() => hasher.evaluations - before === 1);
  hasher.gate = undefined;
  // Meanwhile the mailbox is locked (here: its pending attempt taken as abandoned and the limit reached).
  await raw.hset(userKey(u.id), 'failures', 4, 'reservedAt', 0);
  expect(await store.verifyUserPin(u.extension, WRONG[0], u.number)).toEqual({ result: 'locked' });
  expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
  gate.resolve();
  expect(await slow).toEqual({ result: 'locked' });
  expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
});

test('an unknown mailbox answers like a wrong PIN and costs a dummy verification', async () => {
  const dummies = hasher.dummies;
  const evaluations = hasher.evaluations;
  expect(await store.verifyUserPin('5999', RIGHT, '+33612121212')).toEqual({ result: 'invalid', attemptsLeft: 3 });
  expect(await store.verifyUserPin('not digits', RIGHT, '+33612121212')).toEqual({ result: 'invalid', attemptsLeft: 3 });
  // The portal's own number is no user's mailbox.
  expect(await store.verifyUserPin('+33100000000', RIGHT, '+33612121212')).toEqual({ result: 'invalid', attemptsLeft: 3 });
  expect(hasher.dummies - dummies).toBe(3);
  expect(hasher.evaluations).toBe(evaluations);
});

test('a user without a PIN gets no-pin on their own trusted phone, nothing counted; from another phone, like a wrong PIN', async () => {
  seq++;
  const u = await store.createUser({ id: `u${seq}`, locationId: 'paris', extension: String(2000 + seq) }, 'op');
  expect(await store.verifyUserPin(u.extension, RIGHT, u.extension)).toEqual({ result: 'no-pin' });
  expect((await store.getUser(u.id))?.failures).toBe(0);
  // Issue #11: from another phone (or untrusted), no-PIN must not be told apart from a wrong PIN.
  expect(await store.verifyUserPin(u.extension, RIGHT, '')).toEqual({ result: 'invalid', attemptsLeft: 3 });
  expect(await store.verifyUserPin(u.extension, RIGHT, u.extension, 'paris', { trusted: false })).toEqual({ result: 'invalid', attemptsLeft: 2 });
  expect((await store.getUser(u.id))?.failures).toBe(2);
});

describe('spray throttle', () => {
  beforeAll(async () => {
    await store.setPolicy({ ...(await store.getPolicy()), throttlePerHour: 3 }, 'op');
  });
  afterAll(async () => {
    await store.setPolicy({ ...(await store.getPolicy()), throttlePerHour: 10 }, 'op');
  });

  test('past the limit, a calling number is throttled on every other mailbox without evaluating', async () => {
    const victims = [await userWithPin(), await userWithPin(), await userWithPin(), await userWithPin()];
    const caller = '+33655555555';
    for (const v of victims.slice(0, 3)) expect((await store.verifyUserPin(v.extension, WRONG[0], caller)).result).toBe('invalid');
    const evaluations = hasher.evaluations;
    expect(await store.verifyUserPin(victims[3].extension, WRONG[0], caller)).toEqual({ result: 'throttled' });
    // Even the right PIN: not evaluated.
    expect(await store.verifyUserPin(victims[3].extension, RIGHT, caller)).toEqual({ result: 'throttled' });
    expect(hasher.evaluations).toBe(evaluations);
    expect((await store.getUser(victims[3].id))?.failures).toBe(0);
    expect((await store.readAudit({ userId: victims[3].id })).filter((e) => e.type === 'throttled').length).toBe(2);
    // Same number written without the +: same bucket.
    expect((await store.verifyUserPin(victims[3].extension, RIGHT, '33655555555')).result).toBe('throttled');
    // The owner calling from their own phone is not throttled by someone else's bucket.
    expect((await store.verifyUserPin(victims[3].extension, RIGHT, victims[3].number)).result).toBe('ok');

    // Throttle state (not lock state) expires by itself one window after the last failure.
    expect(await raw.pttl(throttleKey('33655555555'))).toBeGreaterThan(59 * 60 * 1000);
    const listed = await store.listThrottled();
    expect(listed).toContainEqual({ caller: '33655555555', failures: 3, throttled: true });
    expect(await store.clearThrottle(caller, 'op')).toBe(true);
    expect((await store.verifyUserPin(victims[3].extension, RIGHT, caller)).result).toBe('ok');
    expect((await store.listThrottled()).find((b) => b.caller === '33655555555')).toBeUndefined();
  });

  test('a correct PIN from another phone does not count; failures on the own mailbox do not count', async () => {
    const a = await userWithPin();
    const b = await userWithPin();
    const caller = '+33644444444';
    for (let i = 0; i < 5; i++) expect((await store.verifyUserPin(a.extension, RIGHT, caller)).result).toBe('ok');
    expect(await raw.zcard(throttleKey('33644444444'))).toBe(0);
    // b fails on b's own mailbox from b's phone: no throttle counting.
    for (const pin of WRONG.slice(0, 3)) await store.verifyUserPin(b.extension, pin, b.number);
    expect(await raw.exists(throttleKey(b.number.slice(1)))).toBe(0);
  });

  test('empty and anonymous caller IDs share one bucket', async () => {
    const v = await userWithPin();
    const w = await userWithPin();
    await store.verifyUserPin(v.extension, WRONG[0], '');
    await store.verifyUserPin(v.extension, WRONG[1], undefined);
    await store.verifyUserPin(w.extension, WRONG[2], 'anonymous');
    expect(await store.verifyUserPin(w.extension, RIGHT, 'Restricted')).toEqual({ result: 'throttled' });
    expect(await store.clearThrottle('anonymous', 'op')).toBe(true);
  });

  test('the window slides: failures older than an hour no longer count', async () => {
    const v = await userWithPin();
    const caller = '+33633333333';
    for (let i = 0; i < 3; i++) await store.verifyUserPin(v.extension, WRONG[i], caller);
    expect((await store.verifyUserPin(v.extension, RIGHT, caller)).result).toBe('throttled');
    // Age every failure by 61 minutes.
    const key = throttleKey('33633333333');
    const entries = await raw.zrange(key, '0', '-1', 'WITHSCORES');
    for (let i = 0; i < entries.length; i += 2) await raw.zadd(key, Number(entries[i + 1]) - 61 * 60 * 1000, entries[i]);
    await store.unlockUser(v.id, 'op');
    expect((await store.verifyUserPin(v.extension, RIGHT, caller)).result).toBe('ok');
    // The aged failures were dropped, the successful attempt gave its reservation back.
    expect(await raw.zcard(key)).toBe(0);
  });
});

describe('admin passcode', () => {
  test('right passcode opens; 4 wrong lock admin access; unlock and new passcode reopen it', async () => {
    const caller = '+33622222222';
    expect(await store.verifyAdminPasscode('paris', ADMIN, caller)).toEqual({ result: 'ok', locationId: 'paris' });
    for (const pin of WRONG.slice(0, 3)) expect((await store.verifyAdminPasscode('paris', pin, caller)).result).toBe('invalid');
    expect(await store.verifyAdminPasscode('paris', WRONG[3], caller)).toEqual({ result: 'locked' });
    expect(await store.verifyAdminPasscode('paris', ADMIN, caller)).toEqual({ result: 'locked' });
    expect((await store.getLocation('paris'))?.adminLockedSince).toEqual(expect.any(Number));
    expect(await store.unlockLocationAdmin('paris', 'op')).toEqual({ wasLocked: true });
    expect((await store.verifyAdminPasscode('paris', ADMIN, caller)).result).toBe('ok');

    for (const pin of WRONG.slice(0, 4)) await store.verifyAdminPasscode('paris', pin, caller);
    expect((await store.getLocation('paris'))?.adminLockedSince).toEqual(expect.any(Number));
    await store.setAdminPasscode('paris', ADMIN, 'op');
    const location = await store.getLocation('paris');
    expect(location?.adminLockedSince).toBeUndefined();
    expect(location?.adminFailures).toBe(0);
    await store.clearThrottle(caller, 'op');
    const types = (await store.readAudit({ locationId: 'paris' })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['admin-login-ok', 'admin-login-failed', 'admin-locked', 'admin-unlocked', 'admin-passcode-set']));
  });

  test('a user PIN is not the admin passcode and an unknown location answers invalid', async () => {
    expect((await store.verifyAdminPasscode('paris', RIGHT, '+33611111111')).result).toBe('invalid');
    expect((await store.verifyAdminPasscode('nowhere', ADMIN, '+33611111111')).result).toBe('invalid');
    await store.unlockLocationAdmin('paris', 'op');
    await store.clearThrottle('+33611111111', 'op');
  });

  test("typing the admin passcode into one's own mailbox is a wrong PIN", async () => {
    const u = await userWithPin();
    expect(await store.verifyUserPin(u.extension, ADMIN, u.number)).toEqual({ result: 'invalid', attemptsLeft: 3 });
  });
});
