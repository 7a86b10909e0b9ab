/** REDIS_CLUSTER_NODES, REDIS_WAIT_REPLICAS, REDIS_WAIT_TIMEOUT_MS: read alike by the application and the CLI. */
import { PEPPER } from './cli/support';
import { loadCliConfig } from '../src/cli/config';
import { CliError } from '../src/cli/errors';
import { ConfigError, loadConfig } from '../src/config';

const APP = { NODE_ENV: 'test', ARI_PASSWORD: 'x' };
const CLI = { PIN_PEPPER: PEPPER };

test('a node list becomes clusterNodes (default port 6379); the CLI reads the same', () => {
  const env = { REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal ,127.0.0.1:7002' };
  const expected = [
    { host: '10.0.0.1', port: 7000 },
    { host: 'redis-b.internal', port: 6379 },
    { host: '127.0.0.1', port: 7002 },
  ];
  expect(loadConfig({ ...APP, ...env }).redis.clusterNodes).toEqual(expected);
  expect(loadCliConfig({ ...CLI, ...env }).redis.clusterNodes).toEqual(expected);
  expect(loadConfig(APP).redis.clusterNodes).toBeUndefined();
});

test.each([
  [{ REDIS_CLUSTER_NODES: '10.0.0.1:70000' }, /REDIS_CLUSTER_NODES: bad entry "10.0.0.1:70000"/],
  [{ REDIS_CLUSTER_NODES: 'a:1,,b:2' }, /bad entry ""/],
  [{ REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_SENTINELS: '10.0.0.1:26379' }, /exclude each other/],
  [{ REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_URL: 'redis://x:6379/2' }, /only database 0/],
  [{ REDIS_WAIT_REPLICAS: '-1' }, /REDIS_WAIT_REPLICAS must be a whole number from 0 to 16/],
  [{ REDIS_WAIT_REPLICAS: 'one' }, /REDIS_WAIT_REPLICAS/],
  [{ REDIS_WAIT_TIMEOUT_MS: '0' }, /REDIS_WAIT_TIMEOUT_MS must be a whole number of milliseconds from 1 to 10000/],
])('%j is refused with a clear message, by the application (ConfigError) and the CLI (usage)', (env, message) => {
  expect(() => loadConfig({ ...APP, ...env })).toThrow(ConfigError);
  expect(() => loadConfig({ ...APP, ...env })).toThrow(message);
  expect(() => loadCliConfig({ ...CLI, ...env })).toThrow(CliError);
  expect(() => loadCliConfig({ ...CLI, ...env })).toThrow(message);
});

test('replication acknowledgement settings', () => {
  expect(loadConfig({ ...APP, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '250' }).redis).toMatchObject({ waitReplicas: 1, waitTimeoutMs: 250 });
  expect(loadConfig(APP).redis.waitReplicas).toBeUndefined();
  expect(loadCliConfig({ ...CLI, REDIS_WAIT_REPLICAS: '2' }).redis.waitReplicas).toBe(2);
});
