/**
 * `audit` with the noise kept apart (issue #11 item 7): throttled and refused-while-locked
 * calls are shown merged with the trail by default, and left out with --no-noise; `--follow`
 * delivers both streams in time order.
 */
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { silentLogger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { PEPPER } from './support';

let redis: TestRedis;
let store: Store;

beforeAll(async () => {
  redis = await startTestRedis();
  store = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger() });
});

afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await runCli(args, { REDIS_URL: redis.url, PIN_PEPPER: PEPPER, USER: 'tester' }, { stdin: Readable.from([]), stdout, stderr: new PassThrough() });
  return { code, stdout: out };
}

const types = (stdout: string): string[] => (JSON.parse(stdout) as { events: { type: string }[] }).events.map((e) => e.type);

test('audit shows the noise merged in time order; --no-noise leaves it out', async () => {
  await store.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'UTC' }, 'op');
  await store.updatePolicy({ throttlePerHour: 1 }, 'op');
  const user = await store.createUser({ locationId: 'paris', extension: '3100' }, 'op');
  await store.selfServiceSetPin(user.id, '583920', 'portal');
  expect((await store.verifyUserPin('3100', '740261', '+33988776655')).result).toBe('invalid');
  expect((await store.verifyUserPin('3100', '740261', '+33988776655')).result).toBe('throttled');
  await store.adminResetPin(user.id, 'op');

  const all = await cli(['--json', 'audit', '--user', user.id]);
  expect(all.code).toBe(0);
  expect(types(all.stdout)).toEqual(['user-created', 'self-service-set', 'login-failed', 'throttled', 'admin-reset']);
  const trail = await cli(['--json', 'audit', '--user', user.id, '--no-noise']);
  expect(types(trail.stdout)).toEqual(['user-created', 'self-service-set', 'login-failed', 'admin-reset']);
});

test('following delivers the trail and the noise, in time order', async () => {
  const user = await store.createUser({ locationId: 'paris', extension: '3101' }, 'op');
  const from = await store.latestAuditId();
  const seen: string[] = [];
  const stop = new AbortController();
  const following = store.followAudit(
    from,
    (e) => {
      seen.push(e.type);
      if (seen.length === 3) stop.abort();
    },
    stop.signal,
    { userId: user.id },
  );
  await store.updateUser(user.id, { displayName: 'Zoe' }, 'op');
  expect((await store.verifyUserPin('3101', '740261', '+33988776655')).result).toBe('throttled');
  await store.updateUser(user.id, { displayName: 'Zoé' }, 'op');
  await following;
  expect(seen).toEqual(['user-updated', 'throttled', 'user-updated']);
});
