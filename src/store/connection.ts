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
 */
import Redis, { type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config';
import { StoreError, StoreUnavailable } from './errors';

export const COMMAND_TIMEOUT_MS = 1000;

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

export function connect(config: RedisConfig, connectionName?: string): Redis {
  const client = new Redis(redisOptions(config, connectionName));
  // Without a listener ioredis prints every connection error; the store reports
  // unavailability through StoreUnavailable instead.
  client.on('error', () => undefined);
  return client;
}

/** One pending "ready" promise per client and disconnected period, shared by all waiters. */
const readyPromises = new WeakMap<Redis, Promise<void>>();

function readyPromise(client: Redis): Promise<void> {
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
export function whenReady(client: Redis, timeoutMs: number): Promise<void> {
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
  /Stream isn't writeable|Command timed out|Connection is closed|Reached the max retries|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|All sentinels are unreachable|Failed to refresh slots cache|None of startup nodes is available/;

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
