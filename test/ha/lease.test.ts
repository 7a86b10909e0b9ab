/**
 * The lease itself (src/store/lease.ts + lua/lease_*.lua) against a real Redis, and the
 * keeper's fencing (src/ha/lease-keeper.ts): a holder that was paused past its lease stops
 * acting from the first instruction after waking, and its late renewal is refused.
 */
import Redis from 'ioredis';
import { LeaseKeeper, type LeaseRole } from '../../src/ha/lease-keeper';
import { silentLogger } from '../../src/log';
import { openLeaseStore, type LeaseStore } from '../../src/store';
import { leaseKeys } from '../../src/store/keys';
import { startTestRedis, type TestRedis } from '../support/redis';

let redis: TestRedis;
let leases: LeaseStore;

beforeAll(async () => {
  redis = await startTestRedis();
  leases = openLeaseStore({ redis: { url: redis.url }, app: 'voice-portal', connectionName: 'test-lease' });
});
afterAll(async () => {
  await leases?.close();
  await redis?.stop();
});

async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('set-if-absent with expiry; a later holder gets a larger token; old tokens can neither renew nor release', async () => {
  const first = await leases.acquire('s1', 'inst-1', 300);
  expect(first).toEqual({ acquired: true, token: 1 });
  const busy = await leases.acquire('s1', 'inst-2', 300);
  expect(busy).toMatchObject({ acquired: false, holder: 'inst-1' });
  expect(await leases.renew('s1', 1, 300)).toBe(true);
  expect(await leases.read('s1')).toMatchObject({ holder: 'inst-1', token: 1 });

  // inst-1 stops renewing (paused, killed): the key lapses by itself.
  await until(async () => (await leases.read('s1')) === null, 'the lease to lapse');
  const second = await leases.acquire('s1', 'inst-2', 10_000);
  expect(second).toEqual({ acquired: true, token: 2 });
  // inst-1 wakes up: its token is refused, the new holder keeps the lease.
  expect(await leases.renew('s1', 1, 10_000)).toBe(false);
  expect(await leases.release('s1', 1)).toBe(false);
  expect(await leases.read('s1')).toMatchObject({ holder: 'inst-2', token: 2 });
  // Another server's lease is independent.
  expect(await leases.acquire('s2', 'inst-1', 10_000)).toEqual({ acquired: true, token: 1 });
  // A planned handover: released at once, taken at once with the next token.
  expect(await leases.release('s1', 2)).toBe(true);
  expect(await leases.acquire('s1', 'inst-3', 10_000)).toEqual({ acquired: true, token: 3 });
});

test('the keys share one hash tag (one slot on Redis Cluster)', () => {
  const keys = leaseKeys('voice-portal', 'site1');
  expect(keys).toEqual({ holder: 'vp:{lease:voice-portal:site1}:holder', fence: 'vp:{lease:voice-portal:site1}:fence' });
  expect(() => leaseKeys('voice-portal', 'a}b')).toThrow();
});

test('keeper: a holder paused past its deadline may not act from the moment it wakes, and stands down when its renewal is refused', async () => {
  let clock = 0;
  const roles: LeaseRole[] = [];
  const keeper = new LeaseKeeper({ server: 'k1', holder: 'paused-one', leases, ttlMs: 600, logger: silentLogger(), now: () => clock });
  keeper.on('role', (r: LeaseRole) => roles.push(r));
  try {
    keeper.start();
    await until(() => keeper.role === 'active', 'the keeper to take the free lease');
    expect(keeper.mayAct()).toBe(true);
    const token = keeper.state.token!;

    // "Paused": its monotonic clock jumps past the deadline (ttl·5/6 after the last renewal
    // was sent). Nothing has run yet, and it already refuses to act.
    clock += 600;
    expect(keeper.mayAct()).toBe(false);
    // Meanwhile the lease lapsed and another instance took it.
    await redisDel(leaseKeys('voice-portal', 'k1').holder);
    const other = await leases.acquire('k1', 'other', 10_000);
    expect(other).toEqual({ acquired: true, token: token + 1 });

    await until(() => keeper.role === 'standby', 'the keeper to stand down');
    expect(roles).toEqual(['standby', 'active', 'standby']);
    expect(keeper.mayAct()).toBe(false);
    expect(await leases.read('k1')).toMatchObject({ holder: 'other', token: token + 1 });
  } finally {
    await keeper.stop();
  }
});

test('keeper: a standby takes a released lease at once; handOver releases it for the next one', async () => {
  const holder = new LeaseKeeper({ server: 'k2', holder: 'h1', leases, ttlMs: 30_000, logger: silentLogger() });
  const standby = new LeaseKeeper({ server: 'k2', holder: 'h2', leases, ttlMs: 30_000, pollMs: 20, logger: silentLogger() });
  try {
    holder.start();
    await until(() => holder.role === 'active', 'the first keeper to hold the lease');
    standby.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(standby.role).toBe('standby');
    await holder.handOver();
    // Within its poll interval, not after the 30 s ttl.
    await until(() => standby.role === 'active', 'the standby to take over', 5000);
    expect(holder.role).toBe('handing-over');
    expect((await leases.read('k2'))?.holder).toBe('h2');
  } finally {
    await holder.stop();
    await standby.stop();
  }
});

async function redisDel(key: string): Promise<void> {
  // The lease store has no "delete whatever the token" operation (on purpose): go around it.
  const raw = new Redis(redis.url);
  try {
    await raw.del(key);
  } finally {
    raw.disconnect();
  }
}
