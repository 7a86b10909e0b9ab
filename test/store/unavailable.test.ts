/**
 * Redis down: every store call fails fast with StoreUnavailable (no offline queue), and the
 * store recovers by itself when Redis is back.
 */
import { startTestRedis, type TestRedis } from '../support/redis';
import { StoreUnavailable, type Store } from '../../src/store';
import { openTestStore, waitFor } from './helpers';

let redis: TestRedis;
let store: Store;

beforeAll(async () => {
  redis = await startTestRedis({ restartable: true });
  store = openTestStore(redis.url);
  await store.addLocation({ id: 'down', name: 'Down', portalExtension: '900', language: 'en', timeZone: 'UTC' }, 'op');
  await store.createUser({ id: 'd1', locationId: 'down', extension: '9001' }, 'op');
});

afterAll(async () => {
  await store.close();
  await redis.stop();
});

async function timedFailure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the call succeeded while Redis was down');
}

test('while Redis is down every operation fails with StoreUnavailable within 1 s; it recovers by itself', async () => {
  await redis.stop();
  const calls: (() => Promise<unknown>)[] = [
    () => store.verifyUserPin('9001', '47185920', '+33612345678'),
    () => store.getUser('d1'),
    () => store.selfServiceSetPin('d1', '47185920', 'portal'),
    () => store.createUser({ locationId: 'down', extension: '9002' }, 'op'),
    () => store.readAudit(),
  ];
  for (const call of calls) {
    const { error, ms } = await timedFailure(call);
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(ms).toBeLessThan(1000);
  }
  // Many callers at once: no queue builds up, all fail fast.
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.verifyUserPin('9001', '47185920', '')));
  expect(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailable)).toBe(true);
  expect(Date.now() - started).toBeLessThan(1000);
  expect(await store.ping()).toBe(false);

  // Back (with an empty dataset: the test Redis has no persistence).
  await redis.start();
  await waitFor(() => store.ping(), 5000);
  expect(await store.getUser('d1')).toBeNull();
  await store.addLocation({ id: 'up', name: 'Up', portalExtension: '901', language: 'en', timeZone: 'UTC' }, 'op');
  const user = await store.createUser({ id: 'u1', locationId: 'up', extension: '9101' }, 'op');
  await store.selfServiceSetPin(user.id, '47185920', 'portal');
  // Scripts are loaded again after the restart (EVALSHA falls back to EVAL).
  expect((await store.verifyUserPin('9101', '47185920', '9101')).result).toBe('ok');
});
