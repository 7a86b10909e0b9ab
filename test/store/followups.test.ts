/**
 * The store's follow-up features against a real Redis:
 * - close({ drainWebhookMs }) waits for lockout-webhook deliveries in progress, and no longer;
 * - the pepper check on every administrative write, and checkPepper();
 * - followAudit: blocking XREAD on a dedicated connection, filtered, in order, stoppable;
 * - phone login events carry the location id;
 * - updatePolicy: concurrent changes of different fields all survive; the merged policy is validated;
 * - updateUser / updateLocation keep the dial index and the location sets consistent;
 * - isOrganisationCaller and the refuseOutsideStarLogin setting.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { DEFAULT_PIN_POLICY } from '../../src/security/pin-policy';
import { DEFAULT_ORG_POLICY } from '../../src/store/context';
import { dialIndexKey, locationUsersKey, orgKeys, userKey } from '../../src/store/keys';
import { Conflict, InvalidInput, NotFound, PepperMismatch, StoreUnavailable, type AuditEvent, type Store, type User } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { dumpEverything, openTestStore, PEPPER, secretsFound, waitFor } from './helpers';

const PIN = '47185920';
const WRONG = ['60392817', '83920461', '29058173', '71630492'];
const ADMIN = '93817264';

let redis: TestRedis;
let store: Store;
let raw: Redis;
let seq = 0;

beforeAll(async () => {
  redis = await startTestRedis({ restartable: true });
  store = openTestStore(redis.url);
  raw = new Redis(redis.url);
  await store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 8 }, 'op');
  await store.addLocation({ id: 'paris', name: 'Paris', portalNumber: '+33100000000', portalExtension: '800', language: 'fr', timeZone: 'Europe/Paris', adminPasscode: ADMIN }, 'op');
  await store.addLocation({ id: 'lyon', name: 'Lyon', portalExtension: '700', language: 'fr', timeZone: 'Europe/Paris' }, 'op');
});

afterAll(async () => {
  expect(secretsFound(await dumpEverything(redis.url), [PIN, ...WRONG, ADMIN])).toEqual([]);
  await store.close();
  raw.disconnect();
  await redis.stop();
});

async function newUser(extra: { number?: string; locationId?: string } = {}): Promise<User> {
  seq++;
  const user = await store.createUser({ id: `user${seq}`, locationId: extra.locationId ?? 'paris', extension: String(3000 + seq), ...(extra.number ? { number: extra.number } : {}) }, 'op');
  await store.selfServiceSetPin(user.id, PIN, 'op');
  return user;
}

/** Every dial-index entry naming this owner ('u:<id>' / 'l:<id>'), sorted. */
async function dialEntriesOf(owner: string): Promise<string[]> {
  const index = await raw.hgetall(dialIndexKey);
  return Object.entries(index)
    .filter(([, value]) => value === owner)
    .map(([digits]) => digits)
    .sort();
}

describe('close({ drainWebhookMs })', () => {
  let server: Server;
  let url: string;
  const received: Record<string, unknown>[] = [];
  /** How the receiver answers the next requests, in order; then 204 at once. */
  let script: ('fail' | 'hang' | 'slow')[] = [];
  const hanging: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const step = script.shift();
        if (step === 'fail') {
          res.writeHead(503).end();
        } else if (step === 'hang') {
          hanging.push(res);
        } else if (step === 'slow') {
          setTimeout(() => res.writeHead(204).end(), 300);
        } else {
          received.push(JSON.parse(body) as Record<string, unknown>);
          res.writeHead(204).end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    received.length = 0;
    script = [];
  });

  test('waits for a delivery that needs retries, then reports nothing undelivered', async () => {
    const u = await newUser();
    const hooked = openTestStore(redis.url, { webhookUrl: url, webhookRetryDelaysMs: [150, 150, 150] });
    script = ['fail', 'fail'];
    await hooked.unlockUser(u.id, 'op');
    const started = Date.now();
    expect(await hooked.close({ drainWebhookMs: 3000 })).toEqual({ webhooksUndelivered: 0 });
    // Two retries of 150 ms: it waited for them, and not for the whole drain time.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(received).toEqual([expect.objectContaining({ event: 'unlocked', userId: u.id, locationId: 'paris', actor: 'op', outcome: 'was-open' })]);
  });

  test('without a drain, a delivery in progress is abandoned and reported', async () => {
    const u = await newUser();
    const hooked = openTestStore(redis.url, { webhookUrl: url });
    script = ['slow'];
    await hooked.adminResetPin(u.id, 'op');
    expect(await hooked.close()).toEqual({ webhooksUndelivered: 1 });
  });

  test('waits no longer than drainWebhookMs for a receiver that never answers', async () => {
    const u = await newUser();
    const hooked = openTestStore(redis.url, { webhookUrl: url });
    script = ['hang'];
    await hooked.unlockUser(u.id, 'op');
    await waitFor(() => hanging.length === 1);
    const started = Date.now();
    expect(await hooked.close({ drainWebhookMs: 300 })).toEqual({ webhooksUndelivered: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  test('counts notifications given up after the last retry', async () => {
    const u = await newUser();
    const hooked = openTestStore(redis.url, { webhookUrl: url, webhookRetryDelaysMs: [20] });
    script = ['fail', 'fail'];
    await hooked.unlockUser(u.id, 'op');
    expect(await hooked.close({ drainWebhookMs: 2000 })).toEqual({ webhooksUndelivered: 1 });
    expect(received).toEqual([]);
  });
});

describe('pepper: every administrative write is refused with another pepper', () => {
  test('checkPepper, and each write: PepperMismatch, nothing written; reads work', async () => {
    const u = await newUser();
    const other = openTestStore(redis.url, { pepper: `${PEPPER}-other` });
    try {
      await expect(store.checkPepper()).resolves.toBeUndefined();
      await expect(other.checkPepper()).rejects.toBeInstanceOf(PepperMismatch);
      const auditBefore = await raw.xlen('vp:audit');
      const userBefore = await raw.hgetall(userKey(u.id));
      const policyBefore = await raw.get(orgKeys.policy);
      const writes: [string, () => Promise<unknown>][] = [
        ['removeUser', () => other.removeUser(u.id, 'op')],
        ['updateUser', () => other.updateUser(u.id, { extension: '3999' }, 'op')],
        ['unlockUser', () => other.unlockUser(u.id, 'op')],
        ['addLocation', () => other.addLocation({ id: 'nice', name: 'Nice', portalExtension: '600', language: 'fr', timeZone: 'Europe/Paris' }, 'op')],
        ['updateLocation', () => other.updateLocation('lyon', { name: 'Lyon 2' }, 'op')],
        ['removeLocation', () => other.removeLocation('lyon', 'op')],
        ['unlockLocationAdmin', () => other.unlockLocationAdmin('paris', 'op')],
        ['setPolicy', () => other.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 10 }, 'op')],
        ['updatePolicy', () => other.updatePolicy({ throttlePerHour: 99 }, 'op')],
        ['clearDefaultPin', () => other.clearDefaultPin('op')],
        ['clearThrottle', () => other.clearThrottle('anonymous', 'op')],
      ];
      for (const [name, write] of writes) {
        await expect(write().then(() => name, (err: unknown) => (err instanceof PepperMismatch ? 'refused' : err))).resolves.toBe('refused');
      }
      expect(await raw.xlen('vp:audit')).toBe(auditBefore);
      expect(await raw.hgetall(userKey(u.id))).toEqual(userBefore);
      expect(await raw.get(orgKeys.policy)).toBe(policyBefore);
      expect(await store.getLocation('nice')).toBeNull();
      expect((await store.getLocation('lyon'))?.name).toBe('Lyon');
      // Reads are harmless and allowed.
      expect((await other.getUser(u.id))?.extension).toBe(u.extension);
      expect((await other.listLocations()).map((l) => l.id)).toEqual(['lyon', 'paris']);
      expect((await other.getPolicy()).minLength).toBe(8);
      expect((await other.readAudit({ limit: 1 })).length).toBe(1);
      expect(await other.isOrganisationCaller(u.extension)).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('followAudit', () => {
  /** Follow into an array until stopped; returns the array, the stop function and the promise. */
  function follow(from: string, filter = {}, batchMs?: number): { events: AuditEvent[]; stop: () => void; done: Promise<void> } {
    const events: AuditEvent[] = [];
    const controller = new AbortController();
    const done = store.followAudit(from, (e) => void events.push(e), controller.signal, filter, batchMs === undefined ? {} : { batchMs });
    return { events, stop: () => controller.abort(), done };
  }

  async function followerClients(): Promise<string[]> {
    const list = (await raw.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => /name=\S*audit-follow/.test(line));
  }

  test('delivers what is appended after fromId, filtered, in order, on one dedicated blocked connection', async () => {
    const u = await newUser();
    const from = await store.latestAuditId();
    const f = follow(from, { userId: u.id });
    try {
      // Blocked in XREAD on its own connection (not polling on the shared one).
      await waitFor(async () => (await followerClients()).some((line) => /cmd=xread/.test(line) && /flags=\S*b/.test(line)));
      const started = Date.now();
      await store.unlockUser(u.id, 'op');
      await waitFor(() => f.events.length === 1);
      // Pushed by the server as it is appended (the blocked XREAD above is the proof that
      // nothing polls; this bound is generous for a loaded CI machine).
      expect(Date.now() - started).toBeLessThan(1500);
      const other = await newUser();
      await store.unlockUser(other.id, 'op');
      await store.adminResetPin(u.id, 'op');
      await waitFor(() => f.events.length === 2);
      expect(f.events.map((e) => e.type)).toEqual(['unlocked', 'admin-reset']);
      expect(f.events.every((e) => e.userId === u.id)).toBe(true);
    } finally {
      f.stop();
    }
    await f.done;
    // Stopping closes the dedicated connection.
    await waitFor(async () => (await followerClients()).length === 0);
  });

  test('types: only events of those types are delivered, the others are passed over in order', async () => {
    const u = await newUser();
    const from = await store.latestAuditId();
    const f = follow(from, { userId: u.id, types: ['unlocked', 'locked'] });
    try {
      await waitFor(async () => (await followerClients()).some((line) => /cmd=xread/.test(line) && /flags=\S*b/.test(line)));
      await store.adminResetPin(u.id, 'op');
      await store.unlockUser(u.id, 'op');
      await store.adminResetPin(u.id, 'op');
      await store.unlockUser(u.id, 'op');
      await waitFor(() => f.events.length === 2);
      // A last entry of a wanted type: nothing of another type slipped in before it.
      await store.unlockUser(u.id, 'op');
      await waitFor(() => f.events.length === 3);
      expect(f.events.map((e) => e.type)).toEqual(['unlocked', 'unlocked', 'unlocked']);
    } finally {
      f.stop();
    }
    await f.done;
    const read = await store.readAudit({ userId: u.id, types: ['admin-reset'] });
    expect(read.map((e) => e.type)).toEqual(['admin-reset', 'admin-reset']);
  });

  /** XREAD commands the server has run so far (INFO commandstats of this file's own Redis). */
  async function xreadCalls(): Promise<number> {
    const stats = (await raw.info('commandstats')) as string;
    return Number(/cmdstat_xread:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  }

  test('batchMs: entries appended while it waits come in one read, in order; stopping during the wait ends it', async () => {
    const from = await store.latestAuditId();
    const append = (outcome: string): Promise<string | null> =>
      raw.xadd('vp:audit', '*', 'time', String(Date.now()), 'type', 'throttle-cleared', 'actor', 'batch', 'outcome', outcome);
    const batchMs = 2000;
    const f = follow(from, {}, batchMs);
    try {
      await waitFor(async () => (await followerClients()).some((line) => /cmd=xread/.test(line) && /flags=\S*b/.test(line)));
      await append('first');
      await waitFor(() => f.events.length === 1);
      const readsBefore = await xreadCalls();
      // Five entries over ~200 ms, inside the 2 s wait: one read brings them all (without
      // the wait, each one wakes the blocked read: five reads).
      for (let i = 0; i < 5; i++) {
        await append(String(i));
        await new Promise((r) => setTimeout(r, 40));
      }
      await waitFor(() => f.events.length === 6, 5000);
      expect(f.events.map((e) => e.outcome)).toEqual(['first', '0', '1', '2', '3', '4']);
      expect((await xreadCalls()) - readsBefore).toBeLessThanOrEqual(2);
      // Stopped while it waits (after delivering 'last'): it ends without sitting out the wait.
      await append('last');
      await waitFor(() => f.events.length === 7);
      const stoppedAt = Date.now();
      f.stop();
      await f.done;
      expect(Date.now() - stoppedAt).toBeLessThan(batchMs / 2);
    } finally {
      f.stop();
    }
    await f.done;
    await waitFor(async () => (await followerClients()).length === 0);
  });

  test('a burst larger than one read is delivered whole, in order; nothing before fromId', async () => {
    const from = await store.latestAuditId();
    const f = follow(from);
    try {
      await waitFor(async () => (await followerClients()).length === 1);
      const pipeline = raw.pipeline();
      for (let i = 0; i < 1200; i++) pipeline.xadd('vp:audit', '*', 'time', String(Date.now()), 'type', 'throttle-cleared', 'actor', 'burst', 'outcome', String(i));
      await pipeline.exec();
      await waitFor(() => f.events.length >= 1200, 5000);
      expect(f.events.map((e) => e.outcome)).toEqual(Array.from({ length: 1200 }, (_, i) => String(i)));
    } finally {
      f.stop();
    }
    await f.done;
    await waitFor(async () => (await followerClients()).length === 0);
  });

  test('close() ends a follower; a dropped connection rejects with StoreUnavailable', async () => {
    const own = openTestStore(redis.url);
    const done = own.followAudit('$', () => undefined, new AbortController().signal);
    await waitFor(async () => (await followerClients()).length === 1);
    await own.close();
    await expect(done).resolves.toBeUndefined();
    // Gone from the server too (so that the checks below see only the next follower).
    await waitFor(async () => (await followerClients()).length === 0);

    const f = follow('$');
    await waitFor(async () => (await followerClients()).some((line) => /cmd=xread/.test(line)));
    // '$' means "from now": what is appended next arrives, nothing older.
    await store.clearThrottle('anonymous', 'from-now');
    await waitFor(() => f.events.length === 1);
    expect(f.events).toEqual([expect.objectContaining({ type: 'throttle-cleared', actor: 'from-now' })]);
    const [line] = await followerClients();
    // Expect before killing: the rejection may come before CLIENT KILL's own reply.
    const rejected = expect(f.done).rejects.toBeInstanceOf(StoreUnavailable);
    await raw.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)?.[1] ?? '0');
    await rejected;
  });
});

describe('phone events carry the location id', () => {
  test('login-ok, login-failed, login-refused-locked, locked, login-no-pin, throttled, admin logins: all found by location', async () => {
    const u = await newUser({ locationId: 'lyon' });
    const target = await newUser({ locationId: 'lyon' });
    const bare = await store.createUser({ id: `bare${seq}`, locationId: 'lyon', extension: '3900' }, 'op');
    const since = Date.now();
    await store.verifyUserPin(u.extension, PIN, u.extension);
    for (const pin of WRONG) await store.verifyUserPin(u.extension, pin, u.extension);
    await store.verifyUserPin(u.extension, PIN, u.extension);
    await store.verifyUserPin(bare.extension, PIN, bare.extension);
    await store.updatePolicy({ throttlePerHour: 1 }, 'op');
    try {
      // A wrong PIN on someone else's mailbox fills the bucket; the next attempt is throttled.
      await store.verifyUserPin(target.extension, WRONG[0], '+33699990000');
      expect(await store.verifyUserPin(target.extension, WRONG[1], '+33699990000')).toEqual({ result: 'throttled' });
    } finally {
      await store.updatePolicy({ throttlePerHour: DEFAULT_PIN_POLICY.throttlePerHour }, 'op');
      await store.clearThrottle('+33699990000', 'op');
    }
    await store.verifyAdminPasscode('paris', ADMIN, '+33699990001');
    await store.verifyAdminPasscode('paris', WRONG[0], '+33699990001');

    const lyon = (await store.readAudit({ locationId: 'lyon', since, limit: 1000 })).map((e) => `${e.type}/${e.outcome}`);
    expect(lyon).toEqual(
      expect.arrayContaining(['login-ok/ok', 'login-failed/wrong-pin', 'locked/locked', 'login-refused-locked/refused', 'login-no-pin/refused', 'throttled/refused']),
    );
    const paris = (await store.readAudit({ locationId: 'paris', since, limit: 1000 })).map((e) => `${e.type}/${e.outcome}`);
    expect(paris).toEqual(expect.arrayContaining(['admin-login-ok/ok', 'admin-login-failed/wrong-pin']));
    // Only the unknown mailbox has no location (nothing is known about it).
    await store.verifyUserPin('3989', PIN, '3989');
    expect((await store.readAudit({ limit: 1 }))[0]).toMatchObject({ type: 'login-failed', outcome: 'unknown-mailbox' });
    expect((await store.readAudit({ limit: 1 }))[0].locationId).toBeUndefined();
    await store.removeUser(bare.id, 'op');
  });
});

describe('updatePolicy', () => {
  test('administrators changing different fields at the same time, from different connections, all keep their change', async () => {
    const admins = Array.from({ length: 5 }, () => openTestStore(redis.url));
    try {
      for (let round = 1; round <= 6; round++) {
        const expected = {
          minLength: 8 + (round % 3),
          maxLength: 20 + round,
          historySize: round,
          throttlePerHour: 10 + round,
          refuseOutsideStarLogin: round % 2 === 0,
        };
        await Promise.all([
          admins[0].updatePolicy({ minLength: expected.minLength }, 'a0'),
          admins[1].updatePolicy({ maxLength: expected.maxLength }, 'a1'),
          admins[2].updatePolicy({ historySize: expected.historySize }, 'a2'),
          admins[3].updatePolicy({ throttlePerHour: expected.throttlePerHour }, 'a3'),
          admins[4].updatePolicy({ refuseOutsideStarLogin: expected.refuseOutsideStarLogin }, 'a4'),
        ]);
        expect(await store.getPolicy()).toEqual({ ...DEFAULT_ORG_POLICY, ...expected, maxFailures: DEFAULT_PIN_POLICY.maxFailures });
      }
    } finally {
      await Promise.all(admins.map((a) => a.close()));
    }
    await store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 8 }, 'op');
  });

  test('the merged policy is validated; setPolicy keeps refuseOutsideStarLogin; audited with the changed fields', async () => {
    await store.updatePolicy({ minLength: 12 }, 'op');
    // Valid on its own, invalid merged with the stored minimum.
    await expect(store.updatePolicy({ maxLength: 10 }, 'op')).rejects.toThrow(new InvalidInput('maxLength (10) must not be less than minLength (12)'));
    await expect(store.updatePolicy({}, 'op')).rejects.toBeInstanceOf(InvalidInput);
    expect(await store.updatePolicy({ refuseOutsideStarLogin: true }, 'op')).toMatchObject({ minLength: 12, refuseOutsideStarLogin: true });
    expect((await store.readAudit({ limit: 1 }))[0]).toMatchObject({ type: 'policy-set', detail: expect.stringMatching(/^changed refuseOutsideStarLogin: \{/) });
    await store.setPolicy({ ...DEFAULT_PIN_POLICY, minLength: 8 }, 'op');
    expect(await store.getPolicy()).toEqual({ ...DEFAULT_ORG_POLICY, minLength: 8, refuseOutsideStarLogin: true });
    await store.updatePolicy({ refuseOutsideStarLogin: false }, 'op');
    // A document written before the setting existed reads as "off".
    await raw.set(orgKeys.policy, JSON.stringify({ ...DEFAULT_PIN_POLICY, minLength: 8 }));
    expect((await store.getPolicy()).refuseOutsideStarLogin).toBe(false);
  });
});

describe('updateUser', () => {
  test('extension and number change: new ones open the mailbox, old ones are freed, audited', async () => {
    const u = await newUser({ number: '+33611110001' });
    const updated = await store.updateUser(u.id, { extension: '4101', number: '+33611110002', displayName: 'Zoé', language: 'en' }, 'op');
    expect((await store.readAudit({ userId: u.id, limit: 1 }))[0]).toMatchObject({
      type: 'user-updated',
      actor: 'op',
      locationId: 'paris',
      detail: `extension ${u.extension} -> 4101; number +33611110001 -> +33611110002; language - -> en; displayName changed`,
    });
    expect(updated).toMatchObject({ id: u.id, extension: '4101', number: '+33611110002', displayName: 'Zoé', language: 'en', hasPin: true, locationId: 'paris' });
    expect(await dialEntriesOf(`u:${u.id}`)).toEqual(['33611110002', '4101']);
    expect((await store.verifyUserPin('4101', PIN, '4101')).result).toBe('ok');
    expect((await store.findUserByMailbox('+33611110002'))?.id).toBe(u.id);
    expect(await store.findUserByMailbox(u.extension)).toBeNull();
    // The old identifiers are free for someone else.
    const next = await store.createUser({ id: `taker${seq}`, locationId: 'paris', extension: u.extension, number: '+33611110001' }, 'op');
    expect(next.extension).toBe(u.extension);
    // null removes optional fields.
    const cleared = await store.updateUser(u.id, { number: null, displayName: null, language: null }, 'op');
    expect(cleared.number).toBeUndefined();
    expect(cleared.displayName).toBeUndefined();
    expect(cleared.language).toBeUndefined();
    expect(await dialEntriesOf(`u:${u.id}`)).toEqual(['4101']);
    await store.removeUser(next.id, 'op');
  });

  test('refusals: taken identifiers, extension equal to number, bad values, nothing to change, unknown user or location', async () => {
    const u = await newUser();
    const other = await newUser({ number: '+33611110010' });
    const before = await raw.hgetall(userKey(u.id));
    await expect(store.updateUser(u.id, { extension: other.extension }, 'op')).rejects.toThrow(new Conflict(`${other.extension} is already used by user ${other.id}`));
    await expect(store.updateUser(u.id, { number: '+33611110010' }, 'op')).rejects.toBeInstanceOf(Conflict);
    await expect(store.updateUser(u.id, { extension: '800' }, 'op')).rejects.toThrow(new Conflict("800 is already used by location paris's portal"));
    await expect(store.updateUser(u.id, { extension: '33611110099', number: '+33611110099' }, 'op')).rejects.toThrow(new Conflict('extension and number must differ'));
    await expect(store.updateUser(u.id, { extension: '1' }, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.updateUser(u.id, { number: '0612' }, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.updateUser(u.id, {}, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.updateUser('ghost', { extension: '4999' }, 'op')).rejects.toBeInstanceOf(NotFound);
    await expect(store.updateUser(u.id, { locationId: 'nowhere' }, 'op')).rejects.toThrow(new NotFound('no location nowhere'));
    // Nothing changed, nothing claimed, nothing left in another location's set.
    expect(await raw.hgetall(userKey(u.id))).toEqual(before);
    expect(await dialEntriesOf(`u:${u.id}`)).toEqual([u.extension]);
    expect(await raw.sismember(locationUsersKey('nowhere'), u.id)).toBe(0);
  });

  test('moving to another location: listings follow, the old location can be removed', async () => {
    await store.addLocation({ id: 'nantes', name: 'Nantes', portalExtension: '500', language: 'fr', timeZone: 'Europe/Paris' }, 'op');
    const u = await newUser({ locationId: 'nantes' });
    await expect(store.removeLocation('nantes', 'op')).rejects.toBeInstanceOf(Conflict);
    const moved = await store.updateUser(u.id, { locationId: 'lyon' }, 'op');
    expect(moved.locationId).toBe('lyon');
    expect((await store.listUsers({ locationId: 'lyon' })).map((x) => x.id)).toContain(u.id);
    expect((await store.listUsers({ locationId: 'nantes' })).map((x) => x.id)).toEqual([]);
    await store.removeLocation('nantes', 'op');
    expect((await store.readAudit({ userId: u.id, limit: 1 }))[0]).toMatchObject({ type: 'user-updated', locationId: 'lyon', detail: 'locationId nantes -> lyon' });
  });

  test('leftovers of an interrupted update are inert: an unconfirmed dial entry resolves to nobody, a stale member is skipped and pruned', async () => {
    const u = await newUser();
    // As if an update had claimed 4555 and died before writing the record.
    await raw.hset(dialIndexKey, '4555', `u:${u.id}`);
    expect(await store.findUserByMailbox('4555')).toBeNull();
    expect(await store.isOrganisationCaller('4555')).toBe(false);
    expect(await store.verifyUserPin('4555', PIN, '4555')).toMatchObject({ result: 'invalid' });
    // Running the update again completes it.
    expect((await store.updateUser(u.id, { extension: '4555' }, 'op')).extension).toBe('4555');
    expect((await store.findUserByMailbox('4555'))?.id).toBe(u.id);
    // As if a move to lyon had died after joining lyon's set.
    await store.addLocation({ id: 'brest', name: 'Brest', portalExtension: '400', language: 'fr', timeZone: 'Europe/Paris' }, 'op');
    await raw.sadd(locationUsersKey('brest'), u.id);
    expect(await store.listUsers({ locationId: 'brest' })).toEqual([]);
    await store.removeLocation('brest', 'op');
  });

  test('concurrent updates of one user from two connections: the index always matches the record', async () => {
    const u = await newUser();
    const second = openTestStore(redis.url);
    try {
      for (let round = 0; round < 8; round++) {
        const results = await Promise.allSettled([
          store.updateUser(u.id, { extension: String(5000 + round * 2) }, 'op'),
          second.updateUser(u.id, { extension: String(5001 + round * 2) }, 'op'),
        ]);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(Conflict);
        const record = await store.getUser(u.id);
        expect(await dialEntriesOf(`u:${u.id}`)).toEqual([record?.extension]);
      }
    } finally {
      await second.close();
    }
  });
});

describe('updateLocation', () => {
  test('portal identifiers change and free the old ones; one must remain; conflicts; audited', async () => {
    await store.addLocation({ id: 'lille', name: 'Lille', portalExtension: '300', language: 'fr', timeZone: 'Europe/Paris' }, 'op');
    const changed = await store.updateLocation('lille', { portalNumber: '+33300000000', name: 'Lille centre', timeZone: 'UTC', language: 'en' }, 'op');
    expect(changed).toMatchObject({ portalNumber: '+33300000000', portalExtension: '300', name: 'Lille centre', timeZone: 'UTC', language: 'en' });
    expect((await store.findLocationByPortal('+33300000000'))?.id).toBe('lille');
    const swapped = await store.updateLocation('lille', { portalExtension: null }, 'op');
    expect(swapped.portalExtension).toBeUndefined();
    expect(await store.findLocationByPortal('300')).toBeNull();
    expect(await dialEntriesOf('l:lille')).toEqual(['33300000000']);
    await expect(store.updateLocation('lille', { portalNumber: null }, 'op')).rejects.toThrow(new Conflict('a location needs a portal number or a portal extension'));
    const u = await newUser();
    await expect(store.updateLocation('lille', { portalExtension: u.extension }, 'op')).rejects.toThrow(new Conflict(`${u.extension} is already used by user ${u.id}`));
    await expect(store.updateLocation('lille', { portalExtension: '700' }, 'op')).rejects.toThrow(new Conflict("700 is already used by location lyon's portal"));
    await expect(store.updateLocation('lille', { timeZone: 'Mars/Olympus' }, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.updateLocation('lille', {}, 'op')).rejects.toBeInstanceOf(InvalidInput);
    await expect(store.updateLocation('nowhere', { name: 'x' }, 'op')).rejects.toBeInstanceOf(NotFound);
    // A user cannot take a portal identifier either.
    await expect(store.updateUser(u.id, { number: '+33300000000' }, 'op')).rejects.toBeInstanceOf(Conflict);
    expect((await store.readAudit({ locationId: 'lille', limit: 1 }))[0]).toMatchObject({ type: 'location-updated', detail: 'portalExtension removed' });
    await store.removeLocation('lille', 'op');
    expect(await dialEntriesOf('l:lille')).toEqual([]);
  });
});

describe('isOrganisationCaller', () => {
  test("a user's extension or number, or a portal number; nothing else", async () => {
    const u = await newUser({ number: '+33611112222' });
    expect(await store.isOrganisationCaller(u.extension)).toBe(true);
    expect(await store.isOrganisationCaller('+33611112222')).toBe(true);
    expect(await store.isOrganisationCaller('33611112222')).toBe(true);
    expect(await store.isOrganisationCaller('+33100000000')).toBe(true);
    // A portal extension is the portal itself, not a caller of the organisation.
    expect(await store.isOrganisationCaller('800')).toBe(false);
    for (const outside of ['+33699999999', '', undefined, 'anonymous', 'Restricted', '12ab']) {
      expect(await store.isOrganisationCaller(outside)).toBe(false);
    }
    await store.removeUser(u.id, 'op');
    expect(await store.isOrganisationCaller(u.extension)).toBe(false);
  });
});
