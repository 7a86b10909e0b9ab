/**
 * The environment, read and validated once. Everything else receives typed config; nothing
 * else reads process.env. Secrets may come from `<NAME>_FILE` (Docker/Kubernetes secrets).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface AriConfig {
  /** Base URL of Asterisk's HTTP server, e.g. http://127.0.0.1:8088 */
  url: string;
  username: string;
  password: string;
  /** Stasis application name. */
  app: string;
}

export interface RedisConfig {
  /** redis:// or rediss:// URL, optionally with user:password. */
  url: string;
  /** Optional Sentinel set-up: comma-separated host:port list and the master name. */
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
}

export interface Config {
  env: 'production' | 'development' | 'test';
  logLevel: string;
  ari: AriConfig;
  redis: RedisConfig;
  /** Server-side secret mixed into every PIN hash (see resolvePepper). */
  pinPepper: string;
  /** True when no pepper was configured and the development pepper is in use. */
  pinPepperIsDevelopmentDefault: boolean;
  lockoutWebhookUrl?: string;
  /** Port of /healthz and /readyz; undefined = off. */
  httpPort?: number;
  /** Address the health server binds (default 127.0.0.1; 0.0.0.0 for probes from outside). */
  httpHost: string;
  /** SIGTERM/SIGINT: how long calls in progress may go on before they are ended (ms). */
  shutdownGraceMs: number;
  /** Voicemail limits given in the environment (the app's defaults apply to the others). */
  voicemail: { maxMessageSeconds?: number; maxMessages?: number };
  /** Self-service HTTP API and "My voicemail" page (issue #15). */
  api: ApiConfig;
}

/** Self-service HTTP API (`/api/v1`) and the "My voicemail" page (`/my/`), issue #15. */
export interface ApiConfig {
  /** API_PORT; undefined = the API is off. */
  port?: number;
  /** API_HOST, default 127.0.0.1. */
  host: string;
  /** API_RATE_LIMIT_PER_MINUTE: requests per token (or per page user) per minute. */
  tokenRatePerMinute: number;
  /** API_USER_RATE_LIMIT_PER_MINUTE: requests about one user per minute, whoever asks. */
  userRatePerMinute: number;
  /** WEB_AUTH_HEADER: the header the SSO proxy puts the signed-in user in (id or e-mail). */
  webAuthHeader: string;
  /** WEB_TRUSTED_PROXIES: addresses of the SSO proxies; the header is believed only from them. */
  webTrustedProxies: string[];
  /** WEB_CSRF_SECRET(_FILE): key of the page's CSRF tokens (random per process when absent). */
  webCsrfSecret?: string;
}

type Env = Record<string, string | undefined>;

/** Value of NAME, or the trimmed content of the file named by NAME_FILE. */
export function secret(env: Env, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
}

function optionalPort(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`${name} must be a port number (1-65535), got "${raw}"`);
  return n;
}

function nonNegativeMs(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a whole number of milliseconds (0 or more), got "${raw}"`);
  return n;
}

function optionalCount(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function trustedProxies(env: Env): string[] {
  const raw = env.WEB_TRUSTED_PROXIES ?? '';
  const list = raw.split(',').map((a) => a.trim()).filter((a) => a !== '');
  for (const address of list) {
    if (isIP(address) === 0) throw new ConfigError(`WEB_TRUSTED_PROXIES: "${address}" is not an IP address (want a comma-separated list, e.g. 127.0.0.1,::1)`);
  }
  return list;
}

function headerName(env: Env, name: string, fallback: string): string {
  const raw = (env[name] ?? '').trim() || fallback;
  if (!/^[A-Za-z0-9-]{1,64}$/.test(raw)) throw new ConfigError(`${name} must be an HTTP header name such as X-Forwarded-User, got "${raw}"`);
  return raw.toLowerCase();
}

function apiConfig(env: Env): ApiConfig {
  const csrf = secret(env, 'WEB_CSRF_SECRET');
  if (csrf !== undefined && csrf.length < 16) throw new ConfigError('WEB_CSRF_SECRET must be at least 16 characters (use a long random value)');
  return {
    port: optionalPort(env, 'API_PORT'),
    host: env.API_HOST || '127.0.0.1',
    tokenRatePerMinute: optionalCount(env, 'API_RATE_LIMIT_PER_MINUTE', 1, 100_000) ?? 300,
    userRatePerMinute: optionalCount(env, 'API_USER_RATE_LIMIT_PER_MINUTE', 1, 100_000) ?? 60,
    webAuthHeader: headerName(env, 'WEB_AUTH_HEADER', 'X-Forwarded-User'),
    webTrustedProxies: trustedProxies(env),
    ...(csrf !== undefined ? { webCsrfSecret: csrf } : {}),
  };
}

/** Default SHUTDOWN_GRACE_MS: long enough for most portal calls to finish a step. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

function url(env: Env, name: string, fallback: string, schemes: string[]): string {
  const raw = env[name] ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
  }
  return raw;
}

function sentinels(env: Env): { host: string; port: number }[] | undefined {
  const raw = env.REDIS_SENTINELS;
  if (!raw) return undefined;
  return raw.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':');
    const n = Number(port ?? '26379');
    if (!host || !Number.isInteger(n)) throw new ConfigError(`REDIS_SENTINELS: bad entry "${entry}" (want host:port)`);
    return { host, port: n };
  });
}

/**
 * Public, so never good enough for real PINs: used only outside production when no pepper is
 * configured (a development checkout, the tests). The pepper fingerprint kept in Redis stops
 * a production process with a real pepper from mixing with hashes made with this one.
 */
export const DEVELOPMENT_PEPPER = 'voice-portal-development-pepper-not-secret';

/** PIN_PEPPER / PIN_PEPPER_FILE, shared by the application and the admin CLI. */
export function resolvePepper(env: Env): { pepper: string; isDevelopmentDefault: boolean } {
  const production = env.NODE_ENV === 'production';
  const pepper = secret(env, 'PIN_PEPPER');
  if (!pepper) {
    if (production) throw new ConfigError('PIN_PEPPER or PIN_PEPPER_FILE is required when NODE_ENV=production');
    return { pepper: DEVELOPMENT_PEPPER, isDevelopmentDefault: true };
  }
  if (pepper.length < 16) throw new ConfigError('PIN_PEPPER must be at least 16 characters (use a long random value)');
  return { pepper, isDevelopmentDefault: false };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const { pepper: pinPepper, isDevelopmentDefault } = resolvePepper(env);
  const ariPassword = secret(env, 'ARI_PASSWORD');
  if (!ariPassword) throw new ConfigError('ARI_PASSWORD or ARI_PASSWORD_FILE is required');
  const sentinelList = sentinels(env);
  return {
    env: nodeEnv,
    logLevel: env.LOG_LEVEL ?? 'info',
    ari: {
      url: url(env, 'ARI_URL', 'http://127.0.0.1:8088', ['http:', 'https:']),
      username: env.ARI_USERNAME ?? 'voice-portal',
      password: ariPassword,
      app: env.ARI_APP ?? 'voice-portal',
    },
    redis: {
      url: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
      ...(sentinelList ? { sentinels: sentinelList, sentinelName: env.REDIS_SENTINEL_NAME ?? 'mymaster' } : {}),
    },
    pinPepper,
    pinPepperIsDevelopmentDefault: isDevelopmentDefault,
    lockoutWebhookUrl: env.LOCKOUT_WEBHOOK_URL || undefined,
    httpPort: optionalPort(env, 'HTTP_PORT'),
    httpHost: env.HTTP_HOST || '127.0.0.1',
    shutdownGraceMs: nonNegativeMs(env, 'SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS),
    voicemail: {
      maxMessageSeconds: optionalCount(env, 'VOICEMAIL_MAX_SECONDS', 5, 3600),
      maxMessages: optionalCount(env, 'VOICEMAIL_MAX_MESSAGES', 1, 10_000),
    },
    api: apiConfig(env),
  };
}
