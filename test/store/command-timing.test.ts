/**
 * Every command a store connection writes is timed once, under its bounded label, ok or not;
 * nothing of its keys or arguments reaches the observer.
 */
import { observeRedisCommands } from '../../src/store/command-timing';
import { connect, whenReady, type RedisClient } from '../../src/store/connection';
import { startTestRedis, type TestRedis } from '../support/redis';

let redis: TestRedis;
let client: RedisClient;

beforeAll(async () => {
  redis = await startTestRedis();
  client = connect({ url: redis.url }, 'command-timing-test');
  await whenReady(client, 5000);
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

interface Seen {
  command: string;
  seconds: number;
  ok: boolean;
}

function watch(): { seen: Seen[]; stop: () => void } {
  const seen: Seen[] = [];
  const stop = observeRedisCommands((command, seconds, ok) => seen.push({ command, seconds, ok }));
  return { seen, stop };
}

test('each command is observed once, by name, with its round trip; failures are not ok', async () => {
  const { seen, stop } = watch();
  await client.set('ct:secret-key', 'secret-value');
  await client.get('ct:secret-key');
  await expect(client.hget('ct:secret-key', 'field')).rejects.toThrow(/WRONGTYPE/);
  await client.eval('return 1', 0);
  stop();
  expect(seen.map(({ command, ok }) => [command, ok])).toEqual([
    ['set', true],
    ['get', true],
    ['hget', false],
    ['eval', true],
  ]);
  for (const { seconds } of seen) expect(seconds).toBeGreaterThanOrEqual(0);
  expect(JSON.stringify(seen)).not.toMatch(/secret/);
});

test('after the observer stops, nothing more reaches it; two observers each see every command', async () => {
  const first = watch();
  const second = watch();
  await client.ping();
  first.stop();
  await client.ping();
  second.stop();
  await client.ping();
  expect(first.seen.map((s) => s.command)).toEqual(['ping']);
  expect(second.seen.map((s) => s.command)).toEqual(['ping', 'ping']);
});
