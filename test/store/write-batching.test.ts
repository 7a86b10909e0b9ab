/**
 * The commands one turn of the event loop sends on a connection reach Redis together (one
 * write, so one read on the server's side), and a command of a later turn is not held back.
 * Counted on the server: INFO's `total_reads_processed`, asked on a connection of its own.
 */
import Redis from 'ioredis';
import { connect, whenReady, type RedisClient } from '../../src/store/connection';
import { startTestRedis, type TestRedis } from '../support/redis';

let redis: TestRedis;
let client: RedisClient;
let observer: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  client = connect({ url: redis.url }, 'write-batching-test');
  observer = new Redis(redis.url);
  await whenReady(client, 5000);
});

afterAll(async () => {
  client.disconnect();
  observer.disconnect();
  await redis.stop();
});

/** Reads the server has processed so far, the INFO that asks included. */
async function serverReads(): Promise<number> {
  const info = await observer.info('stats');
  const match = /total_reads_processed:(\d+)/.exec(info);
  if (!match) throw new Error('INFO stats has no total_reads_processed');
  return Number(match[1]);
}

test('twenty commands issued in one turn reach Redis in one read', async () => {
  await client.set('wb:k', 'v');
  const before = await serverReads();
  const replies = await Promise.all(Array.from({ length: 20 }, () => client.get('wb:k')));
  const after = await serverReads();
  expect(replies).toEqual(Array.from({ length: 20 }, () => 'v'));
  // One read for the twenty commands, one for the INFO that counts them.
  expect(after - before).toBe(2);
});

test('commands issued from promise jobs of the same turn go together too; the next turn is not held back', async () => {
  const before = await serverReads();
  const chained = async (): Promise<string | null> => {
    await Promise.resolve();
    return client.get('wb:k');
  };
  await Promise.all([client.get('wb:k'), chained(), chained()]);
  const middle = await serverReads();
  expect(middle - before).toBe(2);
  // Each awaited command is a turn of its own: sent at once, answered, nothing waits for a later write.
  expect(await client.get('wb:k')).toBe('v');
  expect(await client.get('wb:k')).toBe('v');
  expect((await serverReads()) - middle).toBe(3);
});
