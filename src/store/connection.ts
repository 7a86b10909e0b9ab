/**
 * The Redis connection: options from RedisConfig, fail-fast behaviour, error mapping.
 *
 * While Redis is unreachable a caller must hear "temporarily unavailable" quickly instead of
 * waiting in an offline queue, so:
 * - `enableOfflineQueue: false`: a command issued while disconnected is rejected at once;
 * - `commandTimeout` (1 s): a command on a connection that silently died is rejected;
 * - `maxRetriesPerRequest: 0`: a command cut off by a disconnect is not replayed later
 *   (a replayed write could land after the caller was told it failed);
 * - the client reconnects by itself (retryStrategy, capped at 2 s between tries);
 * - a store call issued while the connection is (re)connecting waits for it at most
 *   `readyWaitMs` before failing with StoreUnavailable (see `whenReady`).
 *
 * With REDIS_CLUSTER_NODES the connection is an ioredis `Cluster` with the same rules: no
 * offline queue, no replay of a command cut off by a failover (`retryDelayOnFailover: 0`,
 * `retryDelayOnClusterDown: 0`: the caller hears "temporarily unavailable" instead of a write
 * landing twice), and the slot map refreshed every second so a promoted replica is used
 * within about a second of its promotion. MOVED/ASK redirections are still followed (the
 * command never ran on the node that redirected it).
 */
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config';
import { commandSent } from './command-timing';
import { StoreError, StoreUnavailable } from './errors';

export const COMMAND_TIMEOUT_MS = 1000;

/** A single Redis (direct or found through Sentinel) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Turn a RedisConfig into ioredis options (exported for tests). */
export function redisOptions(config: RedisConfig, connectionName = 'voice-portal'): RedisOptions {
  const url = new URL(config.url);
  const tls = url.protocol === 'rediss:';
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  const auth = {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
  const common: RedisOptions = {
    ...auth,
    db: Number.isInteger(db) ? db : 0,
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
    ...(tls ? { tls: { servername: url.hostname } } : {}),
  };
  if (config.sentinels && config.sentinels.length > 0) {
    return {
      ...common,
      sentinels: config.sentinels,
      name: config.sentinelName ?? 'mymaster',
      ...(tls ? { enableTLSForSentinelMode: true } : {}),
    };
  }
  return { ...common, host: url.hostname, port: url.port ? Number(url.port) : 6379 };
}

/** ioredis Cluster options from a RedisConfig with `clusterNodes` (exported for tests). */
export function clusterOptions(config: RedisConfig, connectionName = 'voice-portal'): ClusterOptions {
  // A Cluster has only database 0: the URL's /<db> is not used (src/config.ts refuses one).
  const node = redisOptions({ url: config.url }, connectionName);
  const { username, password, tls, connectTimeout } = node;
  return {
    redisOptions: {
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(tls ? { tls } : {}),
      connectionName,
      connectTimeout,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
    },
    enableOfflineQueue: false,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    slotsRefreshInterval: 1000,
    slotsRefreshTimeout: 1000,
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

export function connect(config: RedisConfig, connectionName?: string): RedisClient {
  let client: RedisClient;
  if (config.clusterNodes && config.clusterNodes.length > 0) {
    const cluster = new Cluster(config.clusterNodes, clusterOptions(config, connectionName));
    cluster.on('+node', (node: Redis) => wrapSend(node));
    client = cluster;
  } else {
    client = wrapSend(new Redis(redisOptions(config, connectionName)));
  }
  // Without a listener ioredis prints every connection error; the store reports
  // unavailability through StoreUnavailable instead.
  client.on('error', () => undefined);
  return client;
}

/**
 * What every command a connection writes goes through (a Cluster's: each node's):
 *
 * 1. It is timed for /metrics (command-timing.ts), from its first write to its reply.
 * 2. Commands sent together leave in one write(2): the first corks the socket and
 * process.nextTick uncorks it. Store operations send from promise jobs (after awaiting the
 * connection), and a tick queued from a promise job runs once all the promise jobs of that
 * turn have, so a call's independent reads (its location and its caller's phone, the policy
 * and the pepper check) and those of other calls in the same turn share one write. Each
 * write to Redis costs a system call and a wake-up of Redis that weigh more than the
 * command. ioredis' automatic pipelining does this too but builds a pipeline per batch,
 * which cost more CPU than it saved. Nothing waits longer than the current turn.
 *
 * A dedicated connection (below) is not wrapped: it carries one blocking read at a time, whose
 * "latency" is how long it waited for news.
 */
function wrapSend(client: Redis): Redis {
  const send = client.sendCommand.bind(client);
  let corked: Redis['stream'] | undefined;
  const uncork = (): void => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  client.sendCommand = (command, stream) => {
    const socket = client.stream as Redis['stream'] | undefined;
    if (corked === undefined && socket && !socket.destroyed) {
      corked = socket;
      socket.cork();
      process.nextTick(uncork);
    }
    commandSent(command);
    return send(command, stream);
  };
  return client;
}

/** The name a connection was opened with (CLIENT LIST). */
export function connectionNameOf(client: RedisClient): string {
  const name = client instanceof Cluster ? client.options.redisOptions?.connectionName : client.options.connectionName;
  return name ?? 'voice-portal';
}

/**
 * A second connection to the same Redis (or Cluster) for one blocking reader: named
 * `<name><suffix>`, with its own command timeout, and no reconnection (its owner ends).
 */
export function dedicatedConnection(client: RedisClient, suffix: string, commandTimeout: number): RedisClient {
  const connectionName = `${connectionNameOf(client)}${suffix}`;
  const copy: RedisClient =
    client instanceof Cluster
      ? client.duplicate([], {
          redisOptions: { ...client.options.redisOptions, connectionName, commandTimeout },
          clusterRetryStrategy: () => null,
        })
      : client.duplicate({ connectionName, commandTimeout, retryStrategy: () => null });
  copy.on('error', () => undefined);
  return copy;
}

/**
 * Every key matching `pattern`, on every master: a Cluster spreads keys over its masters and
 * SCAN only walks the node it is sent to. A key may be reported more than once (SCAN's
 * contract); callers de-duplicate when it matters.
 */
export async function* scanKeys(client: RedisClient, pattern: string, count: number): AsyncGenerator<string[]> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

/** One pending "ready" promise per client and disconnected period, shared by all waiters. */
const readyPromises = new WeakMap<RedisClient, Promise<void>>();

function readyPromise(client: RedisClient): Promise<void> {
  let pending = readyPromises.get(client);
  if (!pending) {
    pending = new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        client.off('ready', onReady);
        client.off('end', onEnd);
        readyPromises.delete(client);
      };
      const onReady = (): void => {
        settle();
        resolve();
      };
      const onEnd = (): void => {
        settle();
        reject(new StoreUnavailable('Redis connection closed'));
      };
      client.on('ready', onReady);
      client.on('end', onEnd);
    });
    // Waiters may all have timed out by the time it settles.
    pending.catch(() => undefined);
    readyPromises.set(client, pending);
  }
  return pending;
}

/**
 * Resolve when the connection is ready; reject with StoreUnavailable after `timeoutMs`,
 * or at once if the client was closed.
 */
export async function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await clientReady(client, timeoutMs);
  if (client instanceof Cluster) await mastersConnected(client, deadline);
}

/** Node connections still opening (`wait`: not started; lazily opened by the pool). */
const OPENING = new Set(['wait', 'connecting', 'connect']);

/**
 * A Cluster is `ready` once one node answered, while its connections to the other masters
 * may still be opening; without an offline queue a command sent on one of those would be
 * rejected. Wait (within the same bound) until none is opening. A node that is down is not
 * waited for: commands for its slots fail on their own until the slot map names its successor.
 */
async function mastersConnected(cluster: Cluster, deadline: number): Promise<void> {
  for (;;) {
    const opening = cluster.nodes('master').filter((node) => OPENING.has(node.status));
    if (opening.length === 0) return;
    for (const node of opening) if (node.status === 'wait') node.connect().catch(() => undefined);
    if (Date.now() >= deadline) throw new StoreUnavailable('Redis Cluster: connections to its masters are still opening');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function clientReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(new StoreUnavailable('Redis connection closed'));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailable(`Redis not reachable (status ${client.status})`)), timeoutMs);
  });
  return Promise.race([readyPromise(client), timeout]).finally(() => clearTimeout(timer));
}

/** Redis replies that mean "the server cannot serve now", not "your command is wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY)\b/;

/** ioredis / socket failures: the connection, not the command, is the problem. */
const CONNECTION_MESSAGES =
  /Stream isn't writeable|Command timed out|Connection is closed|Reached the max retries|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|All sentinels are unreachable|Failed to refresh slots cache|None of startup nodes is available|Cluster is (ended|disconnected|disconnecting)|Too many Cluster redirections/;

/**
 * Map an error thrown during a store operation: connection problems become StoreUnavailable;
 * everything else (the store's own typed errors, a genuine Redis error reply such as a bug in
 * a script, a programming error) is returned unchanged.
 */
export function mapRedisError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof StoreError) return err;
  const isReply = err.name === 'ReplyError';
  const unavailable = isReply
    ? UNAVAILABLE_REPLIES.test(err.message)
    : err.name === 'MaxRetriesPerRequestError' || err.name === 'AbortError' || CONNECTION_MESSAGES.test(err.message);
  return unavailable ? new StoreUnavailable(`Redis unavailable: ${err.message}`, { cause: err }) : err;
}
