/**
 * The environment, read and validated once. Everything else receives typed config; nothing
 * else reads process.env. Secrets may come from `<NAME>_FILE` (Docker/Kubernetes secrets).
 */
import { readFileSync } from 'node:fs';

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
  /** New-message and lock e-mails (issue #16); undefined when SMTP_URL is not set (no e-mail). */
  mail?: MailConfig;
}

/** SMTP_URL, MAIL_FROM, SMTP_CA_FILE, SMTP_REQUIRE_TLS (issue #16). */
export interface MailConfig {
  /** smtp:// (STARTTLS) or smtps:// (TLS), with user:password@ for AUTH. A secret. */
  url: string;
  /** The From address of every e-mail, e.g. `Voice portal <voicemail@example.com>`. */
  from: string;
  /** PEM file of the CA the server's certificate must chain to (default: the system's CAs). */
  caFile?: string;
  /** smtp:// only: refuse to send without STARTTLS (default true). */
  requireTls: boolean;
}

/** The e-mail settings, or undefined without SMTP_URL. */
export function mailConfig(env: Env): MailConfig | undefined {
  const raw = secret(env, 'SMTP_URL');
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // Never echo the value: it holds the SMTP password.
    throw new ConfigError('SMTP_URL is not a URL (want smtp://user:password@host:587 or smtps://user:password@host:465)');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  if (!parsed.hostname) throw new ConfigError('SMTP_URL has no host');
  const from = env.MAIL_FROM?.trim();
  if (!from) throw new ConfigError('MAIL_FROM is required when SMTP_URL is set (e.g. "Voice portal <voicemail@example.com>")');
  if (!/^[^\r\n]*@[^\r\n]+$/.test(from)) throw new ConfigError('MAIL_FROM must be an e-mail address, optionally with a display name');
  const requireTlsRaw = env.SMTP_REQUIRE_TLS ?? 'true';
  if (requireTlsRaw !== 'true' && requireTlsRaw !== 'false') throw new ConfigError('SMTP_REQUIRE_TLS must be true or false');
  const caFile = env.SMTP_CA_FILE || undefined;
  return { url: raw, from, requireTls: requireTlsRaw === 'true', ...(caFile ? { caFile } : {}) };
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
    mail: mailConfig(env),
  };
}
