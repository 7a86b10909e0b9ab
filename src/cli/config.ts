/**
 * What the admin CLI needs from the environment: the Redis to work on and the PIN pepper.
 * Unlike `loadConfig` (src/config.ts), nothing about ARI is required here.
 *
 * The pepper is required for every command, reads included: the store is built with one, and
 * a store opened with a made-up pepper could record the wrong fingerprint in a fresh Redis
 * (the first PIN write stores it), locking the application out of every PIN afterwards.
 */
import { checkPepperStrength, ConfigError, redisClusterAndReplication, resolveWebhook, secret, type RedisConfig } from '../config';
import { usage } from './errors';

type Env = Record<string, string | undefined>;

export interface CliConfig {
  redis: RedisConfig;
  pepper: string;
  /**
   * LOCKOUT_WEBHOOK_URL, as the application uses it: the CLI's unlocks and resets are
   * notified like the portal's locks (the session drains deliveries before exiting).
   */
  webhookUrl?: string;
  /** LOCKOUT_WEBHOOK_TOKEN(_FILE), as the application sends it. */
  webhookToken?: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

function redisUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw usage('the Redis URL is not a URL (want redis://host:port or rediss://…)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw usage('the Redis URL must start with redis:// or rediss://');
  return raw;
}

/** The configuration checks shared with the application (src/config.ts), as usage errors. */
function shared<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw usage(err instanceof ConfigError ? err.message : String(err));
  }
}

/** LOCKOUT_WEBHOOK_URL and its token, validated exactly as the application does. */
function webhook(env: Env): Pick<CliConfig, 'webhookUrl' | 'webhookToken'> {
  const { url, token } = shared(() => resolveWebhook(env));
  return { ...(url !== undefined ? { webhookUrl: url } : {}), ...(token !== undefined ? { webhookToken: token } : {}) };
}

/** REDIS_SENTINELS (host:port,host:port) and REDIS_SENTINEL_NAME, read as the application does. */
function sentinels(env: Env): Pick<RedisConfig, 'sentinels' | 'sentinelName'> {
  const raw = env.REDIS_SENTINELS;
  if (!raw) return {};
  const list = raw.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':');
    const n = Number(port ?? '26379');
    if (!host || !Number.isInteger(n)) throw usage(`REDIS_SENTINELS: bad entry "${entry}" (want host:port)`);
    return { host, port: n };
  });
  return { sentinels: list, sentinelName: env.REDIS_SENTINEL_NAME ?? 'mymaster' };
}

/** `redisUrlOption`: the global `--redis-url`, which wins over REDIS_URL. */
export function loadCliConfig(env: Env, redisUrlOption?: string): CliConfig {
  const pepper = shared(() => secret(env, 'PIN_PEPPER'));
  if (!pepper) throw usage('PIN_PEPPER or PIN_PEPPER_FILE is required (the same pepper as the application)');
  shared(() => checkPepperStrength(pepper));
  return {
    redis: { url: redisUrl(redisUrlOption ?? env.REDIS_URL ?? DEFAULT_REDIS_URL), ...sentinels(env), ...redisClusterAndReplication(env, usage) },
    pepper,
    ...webhook(env),
  };
}

/** The Redis URL as it may be shown: user name and password removed. */
export function displayRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

/** Who is at the keyboard, as the audit trail's actor: the sudo caller first. */
export function operatorName(env: Env, fallback: () => string): string {
  const name = env.SUDO_USER || env.USER || env.LOGNAME || fallback();
  return name || 'unknown';
}
