import Redis from 'ioredis';
import { startTestRedis, type TestRedis } from './redis';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.stop();
});

test('a private Redis answers', async () => {
  const client = new Redis(redis.url);
  await client.set('k', 'v');
  expect(await client.get('k')).toBe('v');
  client.disconnect();
});
