/**
 * The environment, read and validated once. Everything else receives typed config; nothing
 * else reads process.env. Secrets may come from `<NAME>_FILE` (Docker/Kubernetes secrets).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { PEPPER_ADVICE, pepperWeakness } from './security/pepper-strength';
import { checkWebhookUrl, tokenProblem } from './security/webhook-url';
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
  // ---- Redis Cluster and replication acknowledgement (issue #14) ----
  /**
   * REDIS_CLUSTER_NODES: some nodes of a Redis Cluster (the client discovers the others).
   * The URL then only gives the credentials and TLS; its host and port are not used.
   */
  clusterNodes?: { host: string; port: number }[];
  /**
   * REDIS_WAIT_REPLICAS: before a failure count, a lock or a PIN-state change is acted on,
   * wait until it reached this many replicas (at most as many as the master has connected).
   * 0 = do not wait. See src/store/replication.ts.
   */
  waitReplicas?: number;
  /** REDIS_WAIT_TIMEOUT_MS: how long to wait for those acknowledgements (then: unavailable). */
  waitTimeoutMs?: number;
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
  /** LOCKOUT_WEBHOOK_TOKEN(_FILE): sent as `Authorization: Bearer …` with every delivery. */
  lockoutWebhookToken?: string;
  /** Port of /healthz and /readyz; undefined = off. */
  httpPort?: number;
  /** Address the health server binds (default 127.0.0.1; 0.0.0.0 for probes from outside). */
  httpHost: string;
  /** SIGTERM/SIGINT: how long calls in progress may go on before they are ended (ms). */
  shutdownGraceMs: number;
  /** Voicemail limits given in the environment (the app's defaults apply to the others). */
  voicemail: { maxMessageSeconds?: number; maxMessages?: number };
  // ---- high availability (issue #14) ----
  /**
   * The Asterisk servers served (ARI_SERVERS; without it one server named `default` at
   * ARI_URL). All share ARI_USERNAME / ARI_PASSWORD and ARI_APP.
   */
  ariServers: AriServerConfig[];
  /** Active/standby lease per server (ARI_LEASE=on, ARI_LEASE_TTL_MS). */
  lease: { enabled: boolean; ttlMs: number; prefer?: string[] };
  /**
   * Which servers get a user's message-waiting lamp (MWI_SERVERS): per location id, the
   * server names; a location not listed gets every server.
   */
  mwiServers: Record<string, string[]>;
  /** Self-service HTTP API and "My voicemail" page (issue #15). */
  api: ApiConfig;
  /** New-message and lock e-mails (issue #16); undefined when SMTP_URL is not set (no e-mail). */
  mail?: MailConfig;
}

export interface AriServerConfig {
  /** Short name (letters, digits, `_ . -`): in logs, /readyz and the lease key. */
  name: string;
  /** Base URL of that Asterisk's HTTP server. */
  url: string;
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

/**
 * Largest secret file read (bytes). A secret is a line of text; anything bigger is a
 * misconfiguration (PIN_PEPPER_FILE=/dev/zero, a log file), refused before it fills memory.
 */
export const MAX_SECRET_FILE_BYTES = 4096;

/** The file's content, refused past MAX_SECRET_FILE_BYTES (works for devices and pipes too). */
function readCapped(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > MAX_SECRET_FILE_BYTES) throw new Error(`larger than ${MAX_SECRET_FILE_BYTES} bytes, not a secret file`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Value of NAME, or the trimmed content of the file named by NAME_FILE (size-capped). */
export function secret(env: Env, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readCapped(file).trim();
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

/**
 * Asterisk's HTTP server as ARI_URL or ARI_SERVERS give it: `http(s)://host:port`, its origin.
 * ARI's own `/ari`, often written at the end, is taken off (every request adds it). Any other
 * path is refused: ari-client loads its API docs and opens its events socket at the server's
 * root whatever the URL says, so with an http.conf `prefix` the application would register
 * nowhere while its REST requests went elsewhere (and with `/ari` kept, the other way round).
 */
export function ariServerUrl(raw: string, name: string): string {
  const parsed = new URL(url({ [name]: raw }, name, '', ['http:', 'https:']));
  const path = parsed.pathname.replace(/\/+$/, '');
  if (parsed.username || parsed.password) throw new ConfigError(`${name}: put the credentials in ARI_USERNAME and ARI_PASSWORD, not in the URL`);
  if (parsed.search || parsed.hash) throw new ConfigError(`${name}: give Asterisk's HTTP server as http://host:port, without a query`);
  if (path !== '' && path !== '/ari') {
    throw new ConfigError(`${name}: a path (${path}) is not supported; give Asterisk's HTTP server as http://host:port, with http.conf's prefix empty`);
  }
  return parsed.origin;
}

/**
 * A `host:port,host:port` list (REDIS_SENTINELS, REDIS_CLUSTER_NODES). `fail` builds the
 * error: a ConfigError here, a usage error in the CLI.
 */
export function parseHostPortList(raw: string, name: string, defaultPort: number, fail: (message: string) => Error): { host: string; port: number }[] {
  return raw.split(',').map((entry) => {
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    const host = colon > 0 ? trimmed.slice(0, colon) : trimmed;
    const port = colon > 0 ? Number(trimmed.slice(colon + 1)) : defaultPort;
    if (!host || !/^[A-Za-z0-9.-]+$/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw fail(`${name}: bad entry "${entry}" (want host:port)`);
    }
    return { host, port };
  });
}

/**
 * REDIS_CLUSTER_NODES, REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS, shared by the application
 * and the admin CLI. Cluster and Sentinel exclude each other.
 */
export function redisClusterAndReplication(
  env: Env,
  fail: (message: string) => Error,
): Pick<RedisConfig, 'clusterNodes' | 'waitReplicas' | 'waitTimeoutMs'> {
  const out: Pick<RedisConfig, 'clusterNodes' | 'waitReplicas' | 'waitTimeoutMs'> = {};
  if (env.REDIS_CLUSTER_NODES) {
    if (env.REDIS_SENTINELS) throw fail('REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other: set one of them');
    out.clusterNodes = parseHostPortList(env.REDIS_CLUSTER_NODES, 'REDIS_CLUSTER_NODES', 6379, fail);
    if (env.REDIS_URL && /^rediss?:\/\/[^/]*\/\d*[1-9]/.test(env.REDIS_URL)) throw fail('a Redis Cluster has only database 0: remove the /<db> from REDIS_URL');
  }
  const replicas = env.REDIS_WAIT_REPLICAS;
  if (replicas !== undefined && replicas !== '') {
    const n = Number(replicas);
    if (!Number.isInteger(n) || n < 0 || n > 16) throw fail(`REDIS_WAIT_REPLICAS must be a whole number from 0 to 16, got "${replicas}"`);
    out.waitReplicas = n;
  }
  const timeout = env.REDIS_WAIT_TIMEOUT_MS;
  if (timeout !== undefined && timeout !== '') {
    const n = Number(timeout);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw fail(`REDIS_WAIT_TIMEOUT_MS must be a whole number of milliseconds from 1 to 10000, got "${timeout}"`);
    out.waitTimeoutMs = n;
  }
  return out;
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
 * It has the shape every pepper must have (32 random bytes, hex) so that the CLI, which
 * insists on a strong pepper, can be given it in a development checkout.
 * (Drawn once with `openssl rand -hex 32`; published, hence worthless as a secret.)
 */
export const DEVELOPMENT_PEPPER = '5f0c9e2ab7d4413886e1f3a05c7b29d4e8a61f0b3c9d57e2a4068b1fd3c7e590';

/**
 * A pepper value checked for strength (see src/security/pepper-strength.ts); shared by the
 * application and the CLI. The message names the variable and the problem, never the value.
 */
export function checkPepperStrength(pepper: string): void {
  const weakness = pepperWeakness(pepper);
  if (weakness !== null) throw new ConfigError(`PIN_PEPPER ${weakness}: ${PEPPER_ADVICE}`);
}

/** PIN_PEPPER / PIN_PEPPER_FILE, shared by the application and the admin CLI. */
export function resolvePepper(env: Env): { pepper: string; isDevelopmentDefault: boolean } {
  const production = env.NODE_ENV === 'production';
  const pepper = secret(env, 'PIN_PEPPER');
  if (!pepper) {
    if (production) throw new ConfigError('PIN_PEPPER or PIN_PEPPER_FILE is required when NODE_ENV=production');
    return { pepper: DEVELOPMENT_PEPPER, isDevelopmentDefault: true };
  }
  checkPepperStrength(pepper);
  return { pepper, isDevelopmentDefault: false };
}

/**
 * LOCKOUT_WEBHOOK_URL and LOCKOUT_WEBHOOK_TOKEN(_FILE), shared by the application and the
 * CLI: the URL validated by checkWebhookUrl (http/https, no credentials in it), the token a
 * valid header value. A token without a URL is a mistake worth reporting.
 */
export function resolveWebhook(env: Env): { url?: string; token?: string } {
  const raw = env.LOCKOUT_WEBHOOK_URL;
  const token = secret(env, 'LOCKOUT_WEBHOOK_TOKEN');
  if (token !== undefined && token !== '') {
    const problem = tokenProblem(token);
    if (problem !== null) throw new ConfigError(`LOCKOUT_WEBHOOK_TOKEN ${problem}`);
  }
  if (raw === undefined || raw === '') {
    if (token) throw new ConfigError('LOCKOUT_WEBHOOK_TOKEN is set but LOCKOUT_WEBHOOK_URL is not');
    return {};
  }
  const checked = checkWebhookUrl(raw);
  if (!checked.ok) throw new ConfigError(`LOCKOUT_WEBHOOK_URL ${checked.reason}`);
  return { url: checked.url, ...(token ? { token } : {}) };
}

const SERVER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** ARI_SERVERS=`name=url,name=url`; undefined when unset. */
/** ARI_SERVERS=`name=url,name=url`: undefined when unset. The application and the CLI read it alike. */
export function ariServers(env: Env): AriServerConfig[] | undefined {
  const raw = env.ARI_SERVERS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const servers = raw.split(',').map((entry) => {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    if (at < 1 || !SERVER_NAME.test(name)) throw new ConfigError(`ARI_SERVERS: bad entry "${entry}" (want name=http://host:port, name of letters, digits, _ . -)`);
    const label = `ARI_SERVERS (${name})`;
    return { name, url: ariServerUrl(value, label) };
  });
  const names = new Set(servers.map((s) => s.name));
  if (names.size !== servers.length) throw new ConfigError('ARI_SERVERS: each server name must appear once');
  return servers;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

/** ARI_LEASE_PREFER=`server,server`: the servers this instance tries to hold first. */
function leasePreference(env: Env, servers: AriServerConfig[]): { prefer?: string[] } {
  const raw = env.ARI_LEASE_PREFER;
  if (raw === undefined || raw.trim() === '') return {};
  const prefer = raw.split(',').map((n) => n.trim());
  for (const name of prefer) {
    if (!servers.some((s) => s.name === name)) throw new ConfigError(`ARI_LEASE_PREFER: "${name}" is not a server of ARI_SERVERS`);
  }
  return { prefer };
}

/**
 * MWI_SERVERS=`all` (default) or `<location>=<server>+<server>;<location>=<server>`: location
 * id → the servers that show its lamps (a location not listed: every server). The
 * application and the CLI's doctor read it alike.
 */
export function mwiServers(env: Env, servers: readonly { name: string }[]): Record<string, string[]> {
  const raw = env.MWI_SERVERS;
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return {};
  const known = new Set(servers.map((s) => s.name));
  const result: Record<string, string[]> = {};
  for (const entry of raw.split(';')) {
    const [location, list] = entry.split('=').map((part) => part.trim());
    if (!location || !list || !SERVER_NAME.test(location)) throw new ConfigError(`MWI_SERVERS: bad entry "${entry}" (want location=server+server;…)`);
    const names = list.split('+').map((n) => n.trim());
    for (const name of names) {
      if (!known.has(name)) throw new ConfigError(`MWI_SERVERS: "${name}" is not a server of ARI_SERVERS`);
    }
    result[location] = names;
  }
  return result;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const { pepper: pinPepper, isDevelopmentDefault } = resolvePepper(env);
  const ariPassword = secret(env, 'ARI_PASSWORD');
  if (!ariPassword) throw new ConfigError('ARI_PASSWORD or ARI_PASSWORD_FILE is required');
  const sentinelList = sentinels(env);
  const webhook = resolveWebhook(env);
  const ariUrl = ariServerUrl(env.ARI_URL ?? 'http://127.0.0.1:8088', 'ARI_URL');
  const servers = ariServers(env) ?? [{ name: 'default', url: ariUrl }];
  const app = env.ARI_APP ?? 'voice-portal';
  const leaseEnabled = onOff(env, 'ARI_LEASE', false);
  if (leaseEnabled && !SERVER_NAME.test(app)) throw new ConfigError('ARI_APP must be letters, digits, _ . - when ARI_LEASE=on (it names the lease)');
  const leaseTtl = optionalCount(env, 'ARI_LEASE_TTL_MS', 500, 60_000) ?? 3000;
  return {
    env: nodeEnv,
    logLevel: env.LOG_LEVEL ?? 'info',
    ari: {
      url: servers[0]?.url ?? ariUrl,
      username: env.ARI_USERNAME ?? 'voice-portal',
      password: ariPassword,
      app,
    },
    redis: {
      url: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
      ...(sentinelList ? { sentinels: sentinelList, sentinelName: env.REDIS_SENTINEL_NAME ?? 'mymaster' } : {}),
      ...redisClusterAndReplication(env, (message) => new ConfigError(message)),
    },
    pinPepper,
    pinPepperIsDevelopmentDefault: isDevelopmentDefault,
    lockoutWebhookUrl: webhook.url,
    ...(webhook.token !== undefined ? { lockoutWebhookToken: webhook.token } : {}),
    httpPort: optionalPort(env, 'HTTP_PORT'),
    httpHost: env.HTTP_HOST || '127.0.0.1',
    shutdownGraceMs: nonNegativeMs(env, 'SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS),
    voicemail: {
      maxMessageSeconds: optionalCount(env, 'VOICEMAIL_MAX_SECONDS', 5, 3600),
      maxMessages: optionalCount(env, 'VOICEMAIL_MAX_MESSAGES', 1, 10_000),
    },
    ariServers: servers,
    lease: { enabled: leaseEnabled, ttlMs: leaseTtl, ...leasePreference(env, servers) },
    mwiServers: mwiServers(env, servers),
    api: apiConfig(env),
    mail: mailConfig(env),
  };
}
