/**
 * The store's operations against a real Redis: every row of the table "What each operation
 * leaves behind" (docs/admin-guide.md), the PIN policy as the store applies it, directory CRUD
 * and its invariants, the default PIN, the pepper check, the audit trail and the lockout
 * webhook.
 */
import Redis from 'ioredis';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { startTestRedis, type TestRedis } from '../support/redis';
import { CURRENT_HASH_PARAMS, formatHashParams } from '../../src/security/pin-hash';
import { DEFAULT_PIN_POLICY } from '../../src/security/pin-policy';
import { DEFAULT_ORG_POLICY } from '../../src/store/context';
import { orgKeys, userKey } from '../../src/store/keys';
import { Conflict, InvalidInput, NotFound, PepperMismatch, PinRejected, type Store, type User } from '../../src/store';
import { CHEAP_PARAMS, countingHasher, dumpEverything, openTestStore, PEPPER, secretsFound, waitFor } from './helpers';

const DEFAULT_1 = '52917304';
const DEFAULT_2 = '61829370';
const OWN = ['47185920', '83920461', '29058173', '71630492', '58204716', '30582917', '64019283'];
const ADMIN = '93817264';
const usedPins = new Set([DEFAULT_1, DEFAULT_2, ...OWN, ADMIN]);

let redis: TestRedis;
let store: Store;
let raw: Redis;
let seq = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  store = openTestStore(redis.url);
  raw = new Redis(redis.url);
  // 8-digit minimum: random PINs too are long enough not to appear by chance in stored values.
  await store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 8 }, 'op');
  await store.addLocation({ id: 'lyon', name: 'Lyon', portalNumber: '+33400000000', portalExtension: '700', language: 'fr', timeZone: 'Europe/Paris' }, 'op');
});

afterAll(async () => {
  const texts = await dumpEverything(redis.url);
  expect(secretsFound(texts, usedPins)).toEqual([]);
  await store.close();
  raw.disconnect();
  await redis.stop();
});

async function newUser(extra: { number?: string } = {}): Promise<User> {
  seq++;
  return store.createUser({ id: `user${seq}`, locationId: 'lyon', extension: String(3000 + seq), displayName: `User ${seq}`, language: 'fr', ...extra }, 'op');
}

async function lock(user: User): Promise<void> {
  for (const pin of ['10293847', '20394857', '30495867', '40596877']) await store.verifyUserPin(user.extension, pin, user.extension);
  expect((await store.getUser(user.id))?.lockedSince).toEqual(expect.any(Number));
}

function pinState(u: User | null): Record<string, unknown> {
  return { hasPin: u?.hasPin, mustChange: u?.mustChange, mustRecordName: u?.mustRecordName, locked: u?.lockedSince !== undefined };
}

async function logsIn(user: User, pin: string): Promise<boolean> {
  return (await store.verifyUserPin(user.extension, pin, user.extension)).result === 'ok';
}

describe('what each operation leaves behind, with and without a default PIN', () => {
  afterEach(async () => {
    await store.clearDefaultPin('op');
  });

  test('user created, no default PIN: no PIN, name to record, open', async () => {
    const u = await newUser();
    expect(pinState(u)).toEqual({ hasPin: false, mustChange: false, mustRecordName: true, locked: false });
    expect(await store.verifyUserPin(u.extension, DEFAULT_1, u.extension)).toEqual({ result: 'no-pin' });
  });

  test('user created, default PIN set: default PIN, must change, name to record, open', async () => {
    await store.setDefaultPin(DEFAULT_1, 'op');
    const u = await newUser();
    expect(pinState(u)).toEqual({ hasPin: true, mustChange: true, mustRecordName: true, locked: false });
    expect(await store.verifyUserPin(u.extension, DEFAULT_1, u.extension)).toEqual({ result: 'ok', mustChange: true, mustRecordName: true, userId: u.id, messages: { newMessages: 0, oldMessages: 0 } });
  });

  test('admin reset, default PIN set: unlocked, default PIN, must change, name again', async () => {
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[0], 'self');
    await store.markNameRecorded(u.id, 'caller');
    await lock(u);
    await store.setDefaultPin(DEFAULT_1, 'op');
    expect(await store.adminResetPin(u.id, 'op')).toEqual({ pin: 'default' });
    const after = await store.getUser(u.id);
    expect(pinState(after)).toEqual({ hasPin: true, mustChange: true, mustRecordName: true, locked: false });
    expect(after?.failures).toBe(0);
    expect(await logsIn(u, OWN[0])).toBe(false);
    expect(await store.verifyUserPin(u.extension, DEFAULT_1, u.extension)).toEqual({ result: 'ok', mustChange: true, mustRecordName: true, userId: u.id, messages: { newMessages: 0, oldMessages: 0 } });
  });

  test('admin reset, no default PIN: unlocked, no PIN, name again', async () => {
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[0], 'self');
    await store.markNameRecorded(u.id, 'caller');
    await lock(u);
    expect(await store.adminResetPin(u.id, 'op')).toEqual({ pin: 'none' });
    expect(pinState(await store.getUser(u.id))).toEqual({ hasPin: false, mustChange: false, mustRecordName: true, locked: false });
    expect(await store.verifyUserPin(u.extension, OWN[0], u.extension)).toEqual({ result: 'no-pin' });
  });

  test('random one-time PIN: returned once, policy-compliant, must change, name again, open', async () => {
    const u = await newUser({ number: '+33611223344' });
    await store.selfServiceSetPin(u.id, OWN[0], 'self');
    await store.markNameRecorded(u.id, 'caller');
    await lock(u);
    const pin = await store.issueRandomPin(u.id, 'op');
    usedPins.add(pin);
    expect(pin).toMatch(/^\d{8}$/);
    expect(pinState(await store.getUser(u.id))).toEqual({ hasPin: true, mustChange: true, mustRecordName: true, locked: false });
    expect(await store.verifyUserPin(u.extension, pin, u.extension)).toEqual({ result: 'ok', mustChange: true, mustRecordName: true, userId: u.id, messages: { newMessages: 0, oldMessages: 0 } });
    // The user now chooses their own: must-change cleared; the one-time PIN is history.
    await expect(store.changePin(u.id, pin, 'caller')).rejects.toEqual(new PinRejected('used-recently'));
    await store.changePin(u.id, OWN[1], 'caller');
    expect((await store.getUser(u.id))?.mustChange).toBe(false);
  });

  test('self-service set PIN: works at once, no forced change, name unchanged, open', async () => {
    await store.setDefaultPin(DEFAULT_1, 'op');
    const fresh = await newUser();
    await lock(fresh);
    await store.selfServiceSetPin(fresh.id, OWN[0], 'portal');
    // Name to record stays required (it was), no forced change, unlocked.
    expect(pinState(await store.getUser(fresh.id))).toEqual({ hasPin: true, mustChange: false, mustRecordName: true, locked: false });
    expect(await store.verifyUserPin(fresh.extension, OWN[0], fresh.extension)).toEqual({ result: 'ok', mustChange: false, mustRecordName: true, userId: fresh.id, messages: { newMessages: 0, oldMessages: 0 } });

    await store.markNameRecorded(fresh.id, 'caller');
    await lock(fresh);
    await store.selfServiceSetPin(fresh.id, OWN[1], 'portal');
    expect(pinState(await store.getUser(fresh.id))).toEqual({ hasPin: true, mustChange: false, mustRecordName: false, locked: false });
    expect(await logsIn(fresh, OWN[0])).toBe(false);
    expect(await logsIn(fresh, OWN[1])).toBe(true);
    const types = (await store.readAudit({ userId: fresh.id })).map((e) => e.type);
    expect(types.filter((t) => t === 'self-service-set')).toHaveLength(2);
    expect(types.filter((t) => t === 'unlocked')).toHaveLength(2);
  });

  test('unlock only: PIN, must-change and name unchanged; open', async () => {
    await store.setDefaultPin(DEFAULT_1, 'op');
    const u = await newUser();
    await lock(u);
    expect(await store.unlockUser(u.id, 'op')).toEqual({ wasLocked: true });
    const after = await store.getUser(u.id);
    expect(pinState(after)).toEqual({ hasPin: true, mustChange: true, mustRecordName: true, locked: false });
    expect(after?.failures).toBe(0);
    expect(await logsIn(u, DEFAULT_1)).toBe(true);
    expect(await store.unlockUser(u.id, 'op')).toEqual({ wasLocked: false });
  });
});

describe('default PIN', () => {
  test('applies only to users created after it is set; changing it leaves earlier users on theirs', async () => {
    await store.clearDefaultPin('op');
    expect(await store.getDefaultPinInfo()).toEqual({ set: false });
    const before = await newUser();
    const t0 = Date.now();
    await store.setDefaultPin(DEFAULT_1, 'op');
    const info = await store.getDefaultPinInfo();
    expect(info.set).toBe(true);
    expect(info.since).toBeGreaterThanOrEqual(t0);
    const first = await newUser();
    expect((await store.getUser(before.id))?.hasPin).toBe(false);
    expect(first.hasPin).toBe(true);
    await store.setDefaultPin(DEFAULT_2, 'op');
    const second = await newUser();
    expect(await logsIn(first, DEFAULT_1)).toBe(true);
    expect(await logsIn(first, DEFAULT_2)).toBe(false);
    expect(await logsIn(second, DEFAULT_2)).toBe(true);
    await store.clearDefaultPin('op');
    expect(await logsIn(second, DEFAULT_2)).toBe(true);
  });

  test('must pass the user-independent rules', async () => {
    await expect(store.setDefaultPin('1234', 'op')).rejects.toEqual(new PinRejected('too-short'));
    await expect(store.setDefaultPin('11112222', 'op')).rejects.toEqual(new PinRejected('too-simple'));
    await expect(store.setDefaultPin('12a45678', 'op')).rejects.toEqual(new PinRejected('not-digits'));
  });
});

describe('changing a PIN', () => {
  test('the policy, the default PIN and the history apply; must-change is cleared', async () => {
    await store.setDefaultPin(DEFAULT_1, 'op');
    const u = await newUser({ number: '+33691827364' });
    expect(u.mustChange).toBe(true);
    await expect(store.changePin(u.id, '1234567', 'caller')).rejects.toEqual(new PinRejected('too-short'));
    await expect(store.changePin(u.id, '13131313', 'caller')).rejects.toEqual(new PinRejected('too-simple'));
    await expect(store.changePin(u.id, `${u.extension}9051`, 'caller')).rejects.toEqual(new PinRejected('contains-number'));
    await expect(store.changePin(u.id, '6918273640', 'caller')).rejects.toEqual(new PinRejected('contains-number'));
    await expect(store.changePin(u.id, DEFAULT_1, 'caller')).rejects.toEqual(new PinRejected('is-default'));
    expect((await store.getUser(u.id))?.mustChange).toBe(true);

    await store.changePin(u.id, OWN[0], 'caller');
    expect((await store.getUser(u.id))?.mustChange).toBe(false);
    await expect(store.changePin(u.id, OWN[0], 'caller')).rejects.toEqual(new PinRejected('used-recently'));
    // History of 5: the 5 most recent PINs are refused, the 6th back is allowed again.
    for (const pin of OWN.slice(1, 5)) await store.changePin(u.id, pin, 'caller');
    for (const pin of OWN.slice(0, 5)) await expect(store.selfServiceSetPin(u.id, pin, 'portal')).rejects.toEqual(new PinRejected('used-recently'));
    await store.changePin(u.id, OWN[5], 'caller');
    await store.changePin(u.id, OWN[0], 'caller');
    expect(await logsIn(u, OWN[0])).toBe(true);
    expect(await raw.llen(`vp:{u:${u.id}}:history`)).toBe(5);
    await store.clearDefaultPin('op');
  });

  test('changing the PIN does not lift a lock; operations on unknown users are NotFound', async () => {
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[0], 'portal');
    await lock(u);
    await store.changePin(u.id, OWN[1], 'caller');
    expect((await store.getUser(u.id))?.lockedSince).toEqual(expect.any(Number));
    await expect(store.changePin('ghost', OWN[2], 'caller')).rejects.toBeInstanceOf(NotFound);
    await expect(store.adminResetPin('ghost', 'op')).rejects.toBeInstanceOf(NotFound);
    await expect(store.unlockUser('ghost', 'op')).rejects.toBeInstanceOf(NotFound);
    await expect(store.markNameRecorded('ghost', 'op')).rejects.toBeInstanceOf(NotFound);
    await expect(store.issueRandomPin('ghost', 'op')).rejects.toBeInstanceOf(NotFound);
    expect(await raw.exists(userKey('ghost'))).toBe(0);
  });

  test('a hash made with outdated parameters is replaced on the next successful login', async () => {
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[3], 'portal');
    const cheap = await raw.hget(userKey(u.id), 'pinHash');
    expect(cheap).toContain(formatHashParams(CHEAP_PARAMS));
    // A store with the real hasher (current parameters).
    const real = openTestStore(redis.url, { hasher: undefined });
    try {
      expect((await real.verifyUserPin(u.extension, OWN[3], u.extension)).result).toBe('ok');
      const rehashed = await raw.hget(userKey(u.id), 'pinHash');
      expect(rehashed).toContain(formatHashParams(CURRENT_HASH_PARAMS));
      expect(rehashed).not.toEqual(cheap);
      expect((await real.verifyUserPin(u.extension, OWN[3], u.extension)).result).toBe('ok');
      expect((await real.verifyUserPin(u.extension, OWN[4], u.extension)).result).toBe('invalid');
    } finally {
      await real.close();
    }
  });
});

describe('users and locations', () => {
  test('identifiers are unique across users and portals, both ways', async () => {
    const u = await newUser({ number: '+33655500001' });
    await expect(store.createUser({ locationId: 'lyon', extension: u.extension }, 'op')).rejects.toBeInstanceOf(Conflict);
    await expect(store.createUser({ locationId: 'lyon', extension: '3999', number: '+33655500001' }, 'op')).rejects.toBeInstanceOf(Conflict);
    await expect(store.createUser({ locationId: 'lyon', extension: '700' }, 'op')).rejects.toBeInstanceOf(Conflict);
    await expect(store.createUser({ locationId: 'lyon', extension: '33400000000' }, 'op')).rejects.toBeInstanceOf(Conflict);
    await expect(
      store.addLocation({ id: 'x', name: 'X', portalExtension: u.extension, language: 'en', timeZone: 'UTC' }, 'op'),
    ).rejects.toBeInstanceOf(Conflict);
    await expect(
      store.addLocation({ id: 'x', name: 'X', portalNumber: '+33655500001', language: 'en', timeZone: 'UTC' }, 'op'),
    ).rejects.toBeInstanceOf(Conflict);
    // The failed attempts claimed nothing: 3999 is still free.
    expect(await store.findUserByMailbox('3999')).toBeNull();
    const ok = await store.createUser({ locationId: 'lyon', extension: '3999' }, 'op');
    expect(ok.id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(store.createUser({ id: ok.id, locationId: 'lyon', extension: '3998' }, 'op')).rejects.toBeInstanceOf(Conflict);
    expect(await store.findUserByMailbox('3998')).toBeNull();
  });

  test('lookups by extension or number (leading + ignored), listing, removal frees identifiers', async () => {
    await store.addLocation({ id: 'nice', name: 'Nice', portalExtension: '701', language: 'en', timeZone: 'Europe/Paris', adminPasscode: ADMIN }, 'op');
    const a = await store.createUser({ id: 'nice-a', locationId: 'nice', extension: '4001', number: '+33493000001' }, 'op');
    const b = await store.createUser({ id: 'nice-b', locationId: 'nice', extension: '4002' }, 'op');
    await store.selfServiceSetPin(b.id, OWN[0], 'portal');
    expect((await store.findUserByMailbox('4001'))?.id).toBe(a.id);
    expect((await store.findUserByMailbox('+33493000001'))?.id).toBe(a.id);
    expect((await store.findUserByMailbox('33493000001'))?.id).toBe(a.id);
    expect(await store.findUserByMailbox('701')).toBeNull();
    expect((await store.findLocationByPortal('701'))?.id).toBe('nice');
    expect((await store.findLocationByPortal('+33400000000'))?.id).toBe('lyon');
    expect((await store.findLocationByPortal('33400000000'))?.id).toBe('lyon');
    expect(await store.findLocationByPortal('4001')).toBeNull();
    expect((await store.getLocation('nice'))?.hasAdminPasscode).toBe(true);
    expect((await store.listLocations()).map((l) => l.id)).toEqual(['lyon', 'nice']);

    expect((await store.listUsers({ locationId: 'nice' })).map((u) => u.id)).toEqual(['nice-a', 'nice-b']);
    await lock(b);
    expect((await store.listUsers({ locationId: 'nice', lockedOnly: true })).map((u) => u.id)).toEqual(['nice-b']);
    expect((await store.listUsers({ lockedOnly: true })).map((u) => u.id)).toContain('nice-b');
    expect((await store.listUsers()).length).toBeGreaterThan(5);

    await expect(store.removeLocation('nice', 'op')).rejects.toBeInstanceOf(Conflict);
    await store.removeUser(a.id, 'op');
    await store.removeUser(b.id, 'op');
    await expect(store.removeUser(b.id, 'op')).rejects.toBeInstanceOf(NotFound);
    expect(await store.getUser(a.id)).toBeNull();
    expect(await store.findUserByMailbox('+33493000001')).toBeNull();
    expect(await raw.exists(`vp:{u:${b.id}}:history`)).toBe(0);
    // A removed user's extension can be given to someone else; the PIN does not follow.
    const c = await store.createUser({ id: 'nice-c', locationId: 'nice', extension: '4002' }, 'op');
    expect(c.hasPin).toBe(false);
    expect(await store.verifyUserPin('4002', OWN[0], '4002')).toEqual({ result: 'no-pin' });
    await store.removeUser(c.id, 'op');
    await store.removeLocation('nice', 'op');
    expect(await store.getLocation('nice')).toBeNull();
    expect(await store.findLocationByPortal('701')).toBeNull();
    await expect(store.removeLocation('nice', 'op')).rejects.toBeInstanceOf(NotFound);
    await expect(store.createUser({ locationId: 'nice', extension: '4003' }, 'op')).rejects.toBeInstanceOf(NotFound);
    expect(await store.findUserByMailbox('4003')).toBeNull();
  });

  test('a crash between the steps of a removal leaves nothing that blocks or opens anything', async () => {
    const u = await store.createUser({ id: 'crashy', locationId: 'lyon', extension: '4100' }, 'op');
    // Simulate a removal interrupted right after deleting the record.
    await raw.del(userKey(u.id));
    expect(await store.findUserByMailbox('4100')).toBeNull();
    expect((await store.verifyUserPin('4100', OWN[0], '')).result).toBe('invalid');
    expect((await store.listUsers({ locationId: 'lyon' })).map((x) => x.id)).not.toContain('crashy');
    // The identifier is reclaimed by the next user.
    const v = await store.createUser({ id: 'heir', locationId: 'lyon', extension: '4100' }, 'op');
    expect((await store.findUserByMailbox('4100'))?.id).toBe(v.id);
    await store.clearThrottle('anonymous', 'op');
  });

  test('bad input is refused with InvalidInput', async () => {
    await expect(store.createUser({ id: 'bad{id}', locationId: 'lyon', extension: '4200' }, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.createUser({ locationId: 'lyon', extension: '42a' }, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.createUser({ locationId: 'lyon', extension: '4200', number: '0612345678' }, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.addLocation({ name: 'Y', portalExtension: '702', language: 'en', timeZone: 'Mars/Olympus' }, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.addLocation({ name: 'Y', language: 'en', timeZone: 'UTC' }, 'op')).rejects.toBeInstanceOf(Conflict);
    await expect(store.addLocation({ name: 'Y', portalExtension: '702', language: 'en', timeZone: 'UTC', adminPasscode: '1111' }, 'op')).rejects.toBeInstanceOf(PinRejected);
    expect(await store.findLocationByPortal('702')).toBeNull();
    await expect(store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 2 }, 'op')).rejects.toBeInstanceOf(InvalidInput);
  });

  test('admin passcode: policy applies, unknown location is NotFound', async () => {
    await expect(store.setAdminPasscode('lyon', '12345678', 'op')).rejects.toEqual(new PinRejected('too-simple'));
    await expect(store.setAdminPasscode('nowhere', ADMIN, 'op')).rejects.toBeInstanceOf(NotFound);
    await store.setAdminPasscode('lyon', ADMIN, 'op');
    expect((await store.verifyAdminPasscode('lyon', ADMIN, '+33612345678')).result).toBe('ok');
  });
});

describe('policy', () => {
  test('defaults, set, read back', async () => {
    await store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 8, maxFailures: 5 }, 'op');
    expect(await store.getPolicy()).toEqual({ ...DEFAULT_ORG_POLICY, minLength: 8, maxFailures: 5, refuseOutsideStarLogin: false });
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[2], 'portal');
    for (let i = 0; i < 4; i++) expect((await store.verifyUserPin(u.extension, OWN[3], u.extension)).result).toBe('invalid');
    expect(await store.verifyUserPin(u.extension, OWN[3], u.extension)).toEqual({ result: 'locked' });
    await store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 8 }, 'op');
    await raw.del(orgKeys.policy);
    expect(await store.getPolicy()).toEqual({ ...DEFAULT_ORG_POLICY, refuseOutsideStarLogin: false });
    await store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 8 }, 'op');
  });
});

describe('pepper', () => {
  test('the fingerprint is stored on first use; a store with another pepper refuses to write and to verify', async () => {
    expect(await raw.get(orgKeys.pepperFingerprint)).toMatch(/^scrypt\$v1\$/);
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[4], 'portal');
    const hashBefore = await raw.hget(userKey(u.id), 'pinHash');
    const other = openTestStore(redis.url, { pepper: `${PEPPER}-other` });
    try {
      await expect(other.verifyUserPin(u.extension, OWN[4], u.extension)).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.changePin(u.id, OWN[5], 'caller')).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.selfServiceSetPin(u.id, OWN[5], 'portal')).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.issueRandomPin(u.id, 'op')).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.adminResetPin(u.id, 'op')).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.setDefaultPin(DEFAULT_2, 'op')).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.setAdminPasscode('lyon', ADMIN, 'op')).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.verifyAdminPasscode('lyon', ADMIN, '')).rejects.toBeInstanceOf(PepperMismatch);
      await expect(other.createUser({ locationId: 'lyon', extension: '4300' }, 'op')).rejects.toBeInstanceOf(PepperMismatch);
      // Nothing was written or counted.
      expect(await raw.hget(userKey(u.id), 'pinHash')).toBe(hashBefore);
      expect((await store.getUser(u.id))?.failures).toBe(0);
      expect(await store.getDefaultPinInfo()).toEqual({ set: false });
      // Reading is harmless and allowed.
      expect((await other.getUser(u.id))?.id).toBe(u.id);
    } finally {
      await other.close();
    }
    expect(await logsIn(u, OWN[4])).toBe(true);
  });
});

describe('persistence and audit', () => {
  test('state survives a new connection', async () => {
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[0], 'portal');
    await lock(u);
    const again = openTestStore(redis.url);
    try {
      const seen = await again.getUser(u.id);
      expect(seen?.lockedSince).toEqual(expect.any(Number));
      expect(await again.verifyUserPin(u.extension, OWN[0], u.extension)).toEqual({ result: 'locked' });
      await again.unlockUser(u.id, 'op');
      expect((await again.verifyUserPin(u.extension, OWN[0], u.extension)).result).toBe('ok');
    } finally {
      await again.close();
    }
  });

  test('the audit trail: every write, filters, since, limit, oldest first, never a PIN', async () => {
    const t0 = Date.now();
    const u = await newUser();
    await store.selfServiceSetPin(u.id, OWN[1], 'portal:alice');
    await store.verifyUserPin(u.extension, OWN[1], '+33612340000');
    await store.verifyUserPin(u.extension, OWN[2], '+33612340000');
    await store.markNameRecorded(u.id, 'caller');
    await store.adminResetPin(u.id, 'op:bob');
    const events = await store.readAudit({ userId: u.id });
    expect(events.map((e) => e.type)).toEqual(['user-created', 'self-service-set', 'login-ok', 'login-failed', 'name-recorded', 'admin-reset']);
    expect(events[1]).toMatchObject({ actor: 'portal:alice', userId: u.id, outcome: 'ok' });
    expect(events[2]).toMatchObject({ actor: 'caller:33612340000', outcome: 'ok' });
    expect(events[5]).toMatchObject({ actor: 'op:bob', locationId: 'lyon', outcome: 'no-pin' });
    for (const e of events) expect(e.time).toBeGreaterThanOrEqual(t0 - 5);
    expect((await store.readAudit({ userId: u.id, limit: 2 })).map((e) => e.type)).toEqual(['name-recorded', 'admin-reset']);
    const t1 = Date.now();
    await store.unlockUser(u.id, 'op');
    expect((await store.readAudit({ since: t1 })).map((e) => e.type)).toEqual(['unlocked']);
    expect((await store.readAudit({ locationId: 'lyon', limit: 1000 })).length).toBeGreaterThan(10);
    const all = await store.readAudit({ limit: 100000 });
    for (const type of ['policy-set', 'location-added', 'user-created', 'default-pin-set', 'default-pin-cleared', 'random-pin-issued', 'pin-changed', 'user-removed', 'location-removed', 'admin-passcode-set']) {
      expect(all.map((e) => e.type)).toContain(type);
    }
    // Stored capped (XADD MAXLEN ~), in the trail and the noise stream (refused-while-locked).
    expect((await raw.xlen('vp:audit')) + (await raw.xlen('{vp:audit}:noise'))).toBe(all.length);
  });
});

describe('lockout webhook', () => {
  let webhook: WebhookReceiver;
  beforeAll(async () => {
    webhook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await webhook.close();
  });

  test('is POSTed on lock, unlock and reset, retried after an error, never awaited by the caller', async () => {
    const hooked = openTestStore(redis.url, { webhookUrl: webhook.url, webhookRetryDelaysMs: [20, 20, 20], hasher: countingHasher() });
    try {
      const u = await newUser();
      await hooked.selfServiceSetPin(u.id, OWN[0], 'portal');
      webhook.refuseNext(1);
      for (const pin of OWN.slice(1, 5)) await hooked.verifyUserPin(u.extension, pin, u.extension);
      await waitFor(() => webhook.received.some((b) => b.event === 'locked'));
      await hooked.unlockUser(u.id, 'op');
      await hooked.adminResetPin(u.id, 'op');
      await waitFor(() => webhook.received.length >= 3);
      expect(webhook.received.map((b) => b.event)).toEqual(['locked', 'unlocked', 'admin-reset']);
      expect(webhook.received[0]).toMatchObject({ userId: u.id, locationId: 'lyon', outcome: 'locked', actor: `caller:${u.extension}` });
      expect(typeof webhook.received[0].time).toBe('string');
      for (const body of webhook.received) expect(JSON.stringify(body)).not.toMatch(/pinHash|scrypt/);
    } finally {
      await hooked.close();
    }
  });

  test('an unreachable webhook does not fail or delay the operation', async () => {
    const hooked = openTestStore(redis.url, { webhookUrl: 'http://127.0.0.1:1/none', webhookRetryDelaysMs: [10] });
    try {
      const u = await newUser();
      const started = Date.now();
      await hooked.unlockUser(u.id, 'op');
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      await hooked.close();
    }
  });
});
