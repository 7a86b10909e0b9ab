/**
 * An audit flood (issue #11 item 7): 200,000 throttled calls interleaved with locks, resets
 * and administrative changes. The throttled calls are real ones (verifyUserPin with a full
 * bucket) for a share of them, and for the bulk the audit entry that path writes, written by
 * the store's AuditTrail with thousands of writes in flight (pipelined) (the full call costs ~6 round trips: 200,000
 * of them would not fit the suite's time budget, and the audit write is what the flood is
 * about). Every lock, reset and change is still in the
 * trail afterwards; the noise went to its own capped stream; readers see both, or the trail
 * alone.
 */
import Redis from 'ioredis';
import { silentLogger } from '../../src/log';
import { AUDIT_NOISE_MAX_LENGTH, AuditTrail, compareIds, NOISE_EVENTS } from '../../src/store/audit';
import { auditKey, auditNoiseKey } from '../../src/store/keys';
import type { Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { openTestStore } from './helpers';

const FLOOD = 200_000;
const ROUNDS = 10;
/** Real throttled calls per round (the rest of the round's share is bulk). */
const REAL_PER_ROUND = 200;
const IN_FLIGHT = 100;
const BULK_IN_FLIGHT = 5_000;
const PIN = '583920';
const WRONG = ['740261', '839502', '105938', '260471'];
const FLOODER = '+33988776655';
const REFUSED_PER_ROUND = 200;

let redis: TestRedis;
let store: Store;
let raw: Redis;
let bulk: Redis;
let bulkTrail: AuditTrail;

beforeAll(async () => {
  redis = await startTestRedis();
  store = openTestStore(redis.url);
  raw = new Redis(redis.url);
  // Many commands in flight on one connection: ioredis writes them without waiting (pipelined).
  bulk = new Redis(redis.url);
  bulkTrail = new AuditTrail(bulk, silentLogger());
  await store.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'UTC' }, 'op');
  // One failure fills a calling number's bucket: the flooder is throttled from its second call.
  await store.updatePolicy({ throttlePerHour: 1 }, 'op');
});

afterAll(async () => {
  raw?.disconnect();
  bulk?.disconnect();
  await store?.close();
  await redis?.stop();
});

/**
 * `count` throttled calls from the flooder on `mailbox`: REAL_PER_ROUND real ones
 * (IN_FLIGHT at a time), the rest as the entry verify.ts writes for one, in bulk.
 */
async function flood(count: number, mailbox: string, userId: string): Promise<void> {
  for (let done = 0; done < REAL_PER_ROUND; done += IN_FLIGHT) {
    const results = await Promise.all(Array.from({ length: IN_FLIGHT }, () => store.verifyUserPin(mailbox, WRONG[0], FLOODER)));
    for (const r of results) if (r.result !== 'throttled') throw new Error(`expected throttled, got ${r.result}`);
  }
  const entry = { type: 'throttled', actor: `caller:${FLOODER.slice(1)}`, userId, locationId: 'paris', outcome: 'refused' } as const;
  for (let done = REAL_PER_ROUND; done < count; done += BULK_IN_FLIGHT) {
    await Promise.all(Array.from({ length: Math.min(BULK_IN_FLIGHT, count - done) }, () => bulkTrail.record(entry)));
  }
}

// About 5 s on an idle 2-core machine; the timeout leaves room for a busy one.
test(`${FLOOD} throttled calls leave every lock, reset and admin change in the trail`, async () => {
  let caller = 0;
  const users: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const user = await store.createUser({ locationId: 'paris', extension: String(3000 + round) }, 'op');
    await store.selfServiceSetPin(user.id, PIN, 'portal');
    users.push(user.id);
  }
  // The flooder's one real failure, on a mailbox that is not theirs.
  expect((await store.verifyUserPin('3000', WRONG[1], FLOODER)).result).toBe('invalid');

  for (const [round, userId] of users.entries()) {
    await flood(FLOOD / ROUNDS / 2, '3000', users[0]);
    // Four wrong PINs, each from a fresh calling number (no throttle): locked.
    for (const pin of WRONG) await store.verifyUserPin(String(3000 + round), pin, `+3361000${String(caller++).padStart(4, '0')}`);
    expect((await store.getUser(userId))?.lockedSince).toEqual(expect.any(Number));
    await flood(FLOOD / ROUNDS / 2, String(3000 + round), userId);
    // Refused while locked (noise too): callers with room in their bucket, on the locked mailbox.
    await Promise.all(
      Array.from({ length: REFUSED_PER_ROUND }, async () => {
        expect((await store.verifyUserPin(String(3000 + round), PIN, `+3362000${String(caller++).padStart(4, '0')}`)).result).toBe('locked');
      }),
    );
    await store.adminResetPin(userId, 'op');
    await store.updateUser(userId, { displayName: `User ${round}` }, 'op');
  }

  const trail = await store.readAudit({ includeNoise: false, limit: 100_000 });
  const of = (type: string): string[] => trail.filter((e) => e.type === type).map((e) => e.userId ?? '');
  expect(of('locked')).toEqual(users);
  expect(of('admin-reset')).toEqual(users);
  expect(of('user-updated').length).toBeGreaterThanOrEqual(ROUNDS);
  expect(trail.some((e) => e.type === 'throttled')).toBe(false);

  // The noise is all in its own stream, capped (MAXLEN ~ trims by whole nodes: some slack).
  const noise = await raw.xlen(auditNoiseKey);
  expect(noise).toBeGreaterThanOrEqual(AUDIT_NOISE_MAX_LENGTH);
  expect(noise).toBeLessThan(AUDIT_NOISE_MAX_LENGTH + 10_000);
  expect(await raw.xlen(auditKey)).toBeLessThan(1_000);

  // Readers: both streams merged in time order by default (the last round's flood, then its
  // reset and change); the trail alone without the noise.
  const recent = await store.readAudit({ limit: 500 });
  expect(recent.map((e) => e.id)).toEqual([...recent.map((e) => e.id)].sort(compareIds));
  expect(recent.filter((e) => e.type === 'throttled').length).toBeGreaterThan(250);
  expect(recent.filter((e) => e.type === 'login-refused-locked')).toHaveLength(REFUSED_PER_ROUND);
  expect(recent[recent.length - 1]?.type).toBe('user-updated');
  const recentTrail = await store.readAudit({ limit: 50, includeNoise: false });
  expect(recentTrail.some((e) => NOISE_EVENTS.has(e.type))).toBe(false);
  expect(recentTrail.map((e) => e.type)).toContain('admin-reset');
}, 180_000);
