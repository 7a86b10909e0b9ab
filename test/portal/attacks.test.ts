/**
 * Issue #11: an outside attacker's attacks, end to end (the app against the ARI test double and
 * a real Redis). Each fails on the seed: own-phone logins from any caller ID, throttle buckets
 * per spelling, a success that erased later guesses, a failure count above the limit, windows
 * on each instance's clock, and mailboxes told apart by whether they lock.
 */
import { silentLogger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import {
  clockSkewAttack,
  distributedSprayAttack,
  enumerationProbe,
  observingHasher,
  parallelGuessesAttack,
  SPELLINGS,
  spellingsAttack,
  spoofedCallerIdAttack,
  successRaceAttack,
  type ObservingHasher,
} from '../support/attack-rig';
import { PEPPER, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
let hasher: ObservingHasher;
beforeAll(async () => {
  hasher = observingHasher();
  h = await startHarness({ app: { store: { hasher } } });
});
afterAll(async () => {
  await h?.close();
});

test('spoofed caller ID: a trunk call with a user\'s extension is no own-phone login, and is throttled', async () => {
  const got = await spoofedCallerIdAttack(h, hasher, { users: 4, callsPerUser: 2 });
  const { throttlePerHour, maxFailures } = await h.admin.getPolicy();
  // Every call was asked for the mailbox (otherPhoneCall fails on an own-phone welcome).
  expect(got.pinsEvaluated).toBe(throttlePerHour);
  expect(got.refused).toBeGreaterThan(0);
  expect(got.mailboxesLocked).toBeLessThanOrEqual(Math.floor(throttlePerHour / maxFailures));
  expect(got.mailboxesLocked).toBeLessThan(got.mailboxes);
});

test('each spelling of one caller ID lands in one throttle bucket', async () => {
  const got = await spellingsAttack(h, hasher, { users: 12 });
  const { throttlePerHour } = await h.admin.getPolicy();
  expect(got.pinsEvaluated).toBe(throttlePerHour);
  // Whatever the spelling, one bucket: the E.164 digits.
  const buckets = (await h.admin.listThrottled()).filter((b) => b.caller.includes('612345999'));
  expect(got.calls).toBeGreaterThan(SPELLINGS.length);
  expect(buckets).toEqual([{ caller: '33612345999', failures: throttlePerHour, throttled: true }]);
  await h.admin.clearThrottle('+33612345999', 'test');
});

test('the per-location limit on failures from untrusted calls stops a distributed spray; own phones still log in', async () => {
  await h.admin.updatePolicy({ locationThrottlePerHour: 6 }, 'test');
  try {
    const got = await distributedSprayAttack(h, hasher, { numbers: 4, users: 12 });
    expect(got.pinsEvaluated).toBe(6);
    // 4 numbers × 3 attempts, each number far below its own limit of 10.
    expect(got.refused).toBe(2);
    expect(got.detail).toMatch(/an own-phone login afterwards: main-menu$/);
    const throttled = (await h.admin.readAudit({ locationId: 'spray', limit: 1000 })).filter((e) => e.type === 'throttled');
    expect(throttled.map((e) => e.detail)).toEqual(['location limit on failures from untrusted calls', 'location limit on failures from untrusted calls']);
  } finally {
    await h.admin.updatePolicy({ locationThrottlePerHour: 30 }, 'test');
  }
});

test('the success race: guesses counted while a correct PIN is verified stay counted (never more than 4 wrong evaluated)', async () => {
  const wrongBefore = hasher.wrong;
  const got = await successRaceAttack(h, hasher);
  expect(got.detail).toMatch(/the user's login: main-menu$/);
  expect(hasher.wrong - wrongBefore).toBe(4);
  expect(got.pinsEvaluated).toBe(4);
  expect(got.mailboxesLocked).toBe(1);
  expect((await h.admin.getUser('race-4400'))?.failures).toBe(4);
});

test('50 simultaneous wrong PINs: exactly 4 evaluated, failures stored exactly 4, locked', async () => {
  const got = await parallelGuessesAttack(h, hasher, { calls: 50 });
  expect(got.pinsEvaluated).toBe(4);
  expect(got.mailboxesLocked).toBe(1);
  const user = await h.admin.getUser('par-4500');
  expect(user?.failures).toBe(4);
  const refused = (await h.admin.readAudit({ userId: 'par-4500', limit: 1000 })).filter((e) => e.type === 'login-refused-locked');
  expect(refused).toHaveLength(46);
});

test('clock skew: an instance whose clock is 2 h behind does not reset a throttle window', async () => {
  const skewed: Store = openStore({
    redis: { url: h.redis.url },
    pepper: PEPPER,
    logger: silentLogger(),
    hasher,
    clock: () => Date.now() - 2 * 60 * 60 * 1000,
  });
  try {
    const got = await clockSkewAttack(h, hasher, skewed);
    expect(got.pinsEvaluated).toBe(1);
    expect(got.refused).toBe(1);
  } finally {
    await skewed.close();
  }
});

test('no enumeration: from another phone, an unknown mailbox and a mailbox with no PIN answer like a real one, through the lock', async () => {
  const { real, unknown, noPin } = await enumerationProbe(h);
  expect(real).toEqual(['invalid', 'invalid', 'invalid', 'locked', 'locked']);
  expect(unknown).toEqual(real);
  expect(noPin).toEqual(real);
});
