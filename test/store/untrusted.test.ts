/**
 * Issue #11 at the store: temporary, doubling locks for failures from untrusted calls; every
 * lock notified with the number locked in the last hour; the untrusted-caller bucket.
 */
import Redis from 'ioredis';
import { startTestRedis, type TestRedis } from '../support/redis';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { userKey } from '../../src/store/keys';
import type { Store } from '../../src/store';
import { TEMPORARY_LOCK_FIRST_MS } from '../../src/store/verify';
import { openTestStore, waitFor } from './helpers';

const RIGHT = '47185920';
const WRONG = ['60392817', '83920461', '29058173', '71630492'];
const UNTRUSTED = { trusted: false };

let redis: TestRedis;
let store: Store;
let raw: Redis;
let webhook: WebhookReceiver;
let seq = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  webhook = await startWebhookReceiver();
  store = openTestStore(redis.url, { webhookUrl: webhook.url, webhookRetryDelaysMs: [20] });
  raw = new Redis(redis.url);
  await store.addLocation({ id: 'paris', name: 'Paris', portalNumber: '+33100000000', portalExtension: '800', language: 'fr', timeZone: 'Europe/Paris' }, 'op');
  // Many locks from outside here: the location's limit on untrusted failures is not the subject.
  await store.updatePolicy({ locationThrottlePerHour: 10_000 }, 'op');
});

afterAll(async () => {
  await store.close();
  raw.disconnect();
  await webhook.close();
  await redis.stop();
});

async function userWithPin(): Promise<{ id: string; extension: string }> {
  seq++;
  const user = await store.createUser({ id: `t${seq}`, locationId: 'paris', extension: String(3000 + seq) }, 'op');
  await store.selfServiceSetPin(user.id, RIGHT, 'op');
  return { id: user.id, extension: user.extension };
}

/** Four wrong PINs from an untrusted caller (distinct numbers, so no bucket fills). */
async function lockFromOutside(extension: string): Promise<void> {
  for (const [i, pin] of WRONG.entries()) await store.verifyUserPin(extension, pin, `+3361300${seq}${i}00`, 'paris', UNTRUSTED);
}

test('permanent by default: failures from an untrusted call lock for good, notified with the count of the last hour', async () => {
  const a = await userWithPin();
  await lockFromOutside(a.extension);
  const user = await store.getUser(a.id);
  expect(user?.lockedSince).toEqual(expect.any(Number));
  expect(user?.lockedUntil).toBeUndefined();
  await waitFor(() => webhook.received.some((b) => b.event === 'locked' && b.userId === a.id));
  const first = webhook.received.find((b) => b.userId === a.id);
  expect(first).toMatchObject({ event: 'locked', outcome: 'locked', lockedLastHour: expect.any(Number) });
  const b = await userWithPin();
  await lockFromOutside(b.extension);
  await waitFor(() => webhook.received.some((x) => x.userId === b.id));
  expect(webhook.received.find((x) => x.userId === b.id)?.lockedLastHour).toBe((first?.lockedLastHour as number) + 1);
  const audit = await store.readAudit({ userId: b.id });
  expect(audit.find((e) => e.type === 'locked')?.detail).toMatch(/locked until an administrator acts; \d+ locked in the last hour$/);
});

describe('untrustedLockout temporary', () => {
  beforeAll(async () => {
    await store.updatePolicy({ untrustedLockout: 'temporary' }, 'op');
  });
  afterAll(async () => {
    await store.updatePolicy({ untrustedLockout: 'permanent' }, 'op');
  });

  test('locks from untrusted calls last 5, 10, 20 min, then for good; the right PIN is refused meanwhile', async () => {
    const u = await userWithPin();
    const durations: (number | undefined)[] = [];
    for (let lock = 0; lock < 4; lock++) {
      await lockFromOutside(u.extension);
      const user = await store.getUser(u.id);
      expect(user?.lockedSince).toEqual(expect.any(Number));
      durations.push(user?.lockedUntil === undefined ? undefined : user.lockedUntil - (user.lockedSince as number));
      expect(await store.verifyUserPin(u.extension, RIGHT, '+33613999999', 'paris', UNTRUSTED)).toEqual({ result: 'locked' });
      // Time passes (on Redis's clock): the lock's end is moved into the past.
      if (user?.lockedUntil !== undefined) await raw.hset(userKey(u.id), 'lockedUntil', 1);
    }
    expect(durations).toEqual([TEMPORARY_LOCK_FIRST_MS, 2 * TEMPORARY_LOCK_FIRST_MS, 4 * TEMPORARY_LOCK_FIRST_MS, undefined]);
    expect((await store.readAudit({ userId: u.id })).filter((e) => e.type === 'locked').map((e) => e.outcome)).toEqual([
      'locked-temporarily',
      'locked-temporarily',
      'locked-temporarily',
      'locked',
    ]);
  });

  test('after a temporary lock the right PIN opens the mailbox and ends the back-off', async () => {
    const u = await userWithPin();
    await lockFromOutside(u.extension);
    await raw.hset(userKey(u.id), 'lockedUntil', 1);
    expect((await store.verifyUserPin(u.extension, RIGHT, '+33613999998', 'paris', UNTRUSTED)).result).toBe('ok');
    expect(await store.getUser(u.id)).toMatchObject({ failures: 0 });
    await lockFromOutside(u.extension);
    const user = await store.getUser(u.id);
    expect((user?.lockedUntil as number) - (user?.lockedSince as number)).toBe(TEMPORARY_LOCK_FIRST_MS);
  });

  test('failures from the own phones (trusted) still lock for good; an unlock clears a temporary lock', async () => {
    const u = await userWithPin();
    for (const pin of WRONG) await store.verifyUserPin(u.extension, pin, u.extension);
    expect((await store.getUser(u.id))?.lockedUntil).toBeUndefined();
    expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
    const v = await userWithPin();
    await lockFromOutside(v.extension);
    expect((await store.getUser(v.id))?.lockedUntil).toEqual(expect.any(Number));
    await store.unlockUser(v.id, 'op');
    expect(await raw.hmget(userKey(v.id), 'lockedSince', 'lockedUntil', 'tempLocks')).toEqual([null, null, null]);
  });
});

test('own phone with its user already read by the call: the answers, counts and throttles of a lookup', async () => {
  const a = await userWithPin();
  const b = await userWithPin();
  const knownA = await store.findUserByMailbox(a.extension);
  expect(knownA?.id).toBe(a.id);
  const trusted = { trusted: true };
  expect(await store.verifyUserPin(a.extension, WRONG[0] as string, a.extension, undefined, trusted, knownA ?? undefined)).toEqual({ result: 'invalid', attemptsLeft: 3 });
  expect((await store.getUser(a.id))?.failures).toBe(1);
  expect(await store.verifyUserPin(a.extension, RIGHT, a.extension, undefined, trusted, knownA ?? undefined)).toEqual({
    result: 'ok',
    userId: a.id,
    mustChange: false,
    mustRecordName: true,
    messages: { newMessages: 0, oldMessages: 0 },
  });
  expect((await store.getUser(a.id))?.failures).toBe(0);
  // Own phone: no throttle bucket, as with the lookup.
  expect(await raw.exists(`vp:throttle:${a.extension}`)).toBe(0);
  // A known user whose digits are not the mailbox's is not taken for its owner.
  expect(await store.verifyUserPin(b.extension, RIGHT, b.extension, undefined, trusted, knownA ?? undefined)).toMatchObject({ result: 'ok', userId: b.id });
});
