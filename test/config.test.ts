/** src/config.ts: the environment, validated once; secrets from variables or files. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DEVELOPMENT_PEPPER, loadConfig, MAX_SECRET_FILE_BYTES } from '../src/config';
import { pepperWeakness } from '../src/security/pepper-strength';

const BASE = { ARI_PASSWORD: 'ari-secret-0123456789' };
const PEPPER = 'ba6e81751637a722d624854d0e7cabd6d71481c21572442c80d95bfdf8d6b156';

test('production refuses to start without a pepper', () => {
  expect(() => loadConfig({ ...BASE, NODE_ENV: 'production' })).toThrow(ConfigError);
  expect(() => loadConfig({ ...BASE, NODE_ENV: 'production' })).toThrow(/PIN_PEPPER or PIN_PEPPER_FILE is required/);
  expect(loadConfig({ ...BASE, NODE_ENV: 'production', PIN_PEPPER: PEPPER })).toMatchObject({ pinPepper: PEPPER, pinPepperIsDevelopmentDefault: false });
});

test('outside production, no pepper means the public development pepper, flagged', () => {
  expect(loadConfig({ ...BASE })).toMatchObject({ pinPepper: DEVELOPMENT_PEPPER, pinPepperIsDevelopmentDefault: true });
});

test('a weak pepper is refused with a clear configuration error that does not repeat it', () => {
  const weak: [string, RegExp][] = [
    ['short', /PIN_PEPPER is too short/],
    [' '.repeat(20), /PIN_PEPPER contains whitespace/],
    [`${PEPPER.slice(0, 30)} ${PEPPER.slice(30)}`, /PIN_PEPPER contains whitespace/],
    ['voice-portal-development-pepper-not-secret', /PIN_PEPPER is too short/],
    ['a'.repeat(64), /PIN_PEPPER has too little randomness/],
    ['deadbeef'.repeat(8), /PIN_PEPPER has too little randomness/],
    ['0123456789abcdef'.repeat(4), /PIN_PEPPER has too little randomness/],
    ['abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', /PIN_PEPPER has too little randomness/],
    ['correct horse battery staple, but longer than 32', /PIN_PEPPER contains whitespace/],
    ['p@ssw0rd!p@ssw0rd!p@ssw0rd!p@ssw0rd!p@ssw0rd!', /PIN_PEPPER is neither hex nor base64/],
  ];
  for (const [pepper, reason] of weak) {
    for (const env of [{ NODE_ENV: 'production' }, {}]) {
      let error: unknown;
      try {
        loadConfig({ ...BASE, ...env, PIN_PEPPER: pepper });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toMatch(/openssl rand -hex 32/);
      if (pepper.trim().length > 8) expect((error as Error).message).not.toContain(pepper.trim().slice(0, 8));
    }
  }
});

test('32 random bytes as hex or base64 (standard or URL-safe) are accepted; the development pepper has the same shape', () => {
  for (const pepper of [randomBytes(32).toString('hex'), randomBytes(32).toString('base64'), randomBytes(48).toString('base64url'), randomBytes(64).toString('hex').toUpperCase()]) {
    expect(loadConfig({ ...BASE, NODE_ENV: 'production', PIN_PEPPER: pepper }).pinPepper).toBe(pepper);
  }
  expect(pepperWeakness(DEVELOPMENT_PEPPER)).toBeNull();
});

test('secret files are read with a size cap: /dev/zero is an error, not 17 GB', () => {
  expect(() => loadConfig({ ...BASE, PIN_PEPPER_FILE: '/dev/zero' })).toThrow(/PIN_PEPPER_FILE: cannot read \/dev\/zero: larger than 4096 bytes/);
  expect(() => loadConfig({ PIN_PEPPER: PEPPER, ARI_PASSWORD_FILE: '/dev/zero' })).toThrow(/ARI_PASSWORD_FILE: cannot read/);
  const dir = mkdtempSync(path.join(tmpdir(), 'vp-config-'));
  writeFileSync(path.join(dir, 'big'), 'x'.repeat(MAX_SECRET_FILE_BYTES + 1));
  expect(() => loadConfig({ ...BASE, PIN_PEPPER_FILE: path.join(dir, 'big') })).toThrow(/larger than 4096 bytes/);
  writeFileSync(path.join(dir, 'fits'), `${PEPPER}\n`.padEnd(MAX_SECRET_FILE_BYTES, '\n'));
  expect(loadConfig({ ...BASE, PIN_PEPPER_FILE: path.join(dir, 'fits') }).pinPepper).toBe(PEPPER);
});

test('the lockout webhook: http(s) only, no credentials in the URL, a token from a variable or a file', () => {
  expect(() => loadConfig({ ...BASE, LOCKOUT_WEBHOOK_URL: 'file:///etc/passwd' })).toThrow(/LOCKOUT_WEBHOOK_URL must start with http:\/\/ or https:\/\//);
  expect(() => loadConfig({ ...BASE, LOCKOUT_WEBHOOK_URL: 'data:text/plain,x' })).toThrow(/LOCKOUT_WEBHOOK_URL must start with http/);
  expect(() => loadConfig({ ...BASE, LOCKOUT_WEBHOOK_URL: 'javascript:alert(1)' })).toThrow(/LOCKOUT_WEBHOOK_URL must start with http/);
  expect(() => loadConfig({ ...BASE, LOCKOUT_WEBHOOK_URL: 'nonsense' })).toThrow(/LOCKOUT_WEBHOOK_URL is not a URL/);
  let message = '';
  try {
    loadConfig({ ...BASE, LOCKOUT_WEBHOOK_URL: 'https://ops:s3cret-hook@alerts.example/x' });
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toMatch(/LOCKOUT_WEBHOOK_URL must not contain a user name or password .*LOCKOUT_WEBHOOK_TOKEN/);
  expect(message).not.toContain('s3cret-hook');
  expect(() => loadConfig({ ...BASE, LOCKOUT_WEBHOOK_URL: 'https://alerts.example/x', LOCKOUT_WEBHOOK_TOKEN: 'two words' })).toThrow(/LOCKOUT_WEBHOOK_TOKEN must be printable ASCII without spaces/);
  expect(() => loadConfig({ ...BASE, LOCKOUT_WEBHOOK_TOKEN: 'tok' })).toThrow(/LOCKOUT_WEBHOOK_TOKEN is set but LOCKOUT_WEBHOOK_URL is not/);
  const dir = mkdtempSync(path.join(tmpdir(), 'vp-config-'));
  writeFileSync(path.join(dir, 'token'), 'tok-from-file\n');
  expect(loadConfig({ ...BASE, LOCKOUT_WEBHOOK_URL: 'https://alerts.example/x', LOCKOUT_WEBHOOK_TOKEN_FILE: path.join(dir, 'token') })).toMatchObject({
    lockoutWebhookUrl: 'https://alerts.example/x',
    lockoutWebhookToken: 'tok-from-file',
  });
  expect(loadConfig({ ...BASE }).lockoutWebhookToken).toBeUndefined();
});

test('secrets may come from files (NAME_FILE), trimmed; an unreadable file is a clear error', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vp-config-'));
  writeFileSync(path.join(dir, 'pepper'), `${PEPPER}\n`);
  writeFileSync(path.join(dir, 'ari'), 'from-a-file-0123456789\n');
  const config = loadConfig({ PIN_PEPPER_FILE: path.join(dir, 'pepper'), ARI_PASSWORD_FILE: path.join(dir, 'ari') });
  expect(config.pinPepper).toBe(PEPPER);
  expect(config.ari.password).toBe('from-a-file-0123456789');
  expect(() => loadConfig({ ...BASE, PIN_PEPPER_FILE: path.join(dir, 'missing') })).toThrow(/PIN_PEPPER_FILE: cannot read/);
});

test('an Asterisk server is its HTTP origin: ARI\'s own /ari is taken off, any other path refused', () => {
  expect(loadConfig({ ...BASE, ARI_URL: 'http://pbx.example:8088/ari/' }).ari.url).toBe('http://pbx.example:8088');
  expect(loadConfig({ ...BASE, ARI_URL: 'https://pbx.example:8089/' }).ari.url).toBe('https://pbx.example:8089');
  expect(loadConfig({ ...BASE, ARI_SERVERS: 'a=http://10.0.0.1:8088/ari,b=http://10.0.0.2:8088' }).ariServers).toEqual([
    { name: 'a', url: 'http://10.0.0.1:8088' },
    { name: 'b', url: 'http://10.0.0.2:8088' },
  ]);
  expect(() => loadConfig({ ...BASE, ARI_URL: 'http://pbx.example:8088/asterisk' })).toThrow(
    "ARI_URL: a path (/asterisk) is not supported; give Asterisk's HTTP server as http://host:port, with http.conf's prefix empty",
  );
  expect(() => loadConfig({ ...BASE, ARI_SERVERS: 'a=http://10.0.0.1:8088/asterisk/ari' })).toThrow(/^ARI_SERVERS \(a\): a path \(\/asterisk\/ari\) is not supported/);
  expect(() => loadConfig({ ...BASE, ARI_URL: 'http://ari:secret@pbx.example:8088' })).toThrow(/ARI_URL: put the credentials in ARI_USERNAME and ARI_PASSWORD/);
  expect(() => loadConfig({ ...BASE, ARI_URL: 'http://pbx.example:8088/?x=1' })).toThrow(/ARI_URL: .* without a query/);
});

test('ARI password required; URLs, ports and limits validated', () => {
  expect(() => loadConfig({})).toThrow(/ARI_PASSWORD/);
  expect(() => loadConfig({ ...BASE, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL must start with redis:\/\/ or rediss:\/\//);
  expect(() => loadConfig({ ...BASE, ARI_URL: 'not a url' })).toThrow(/ARI_URL is not a URL/);
  expect(() => loadConfig({ ...BASE, HTTP_PORT: '70000' })).toThrow(/HTTP_PORT/);
  expect(() => loadConfig({ ...BASE, VOICEMAIL_MAX_MESSAGES: '0' })).toThrow(/VOICEMAIL_MAX_MESSAGES/);
  expect(() => loadConfig({ ...BASE, REDIS_SENTINELS: ':x' })).toThrow(/REDIS_SENTINELS/);
});

test('defaults and parsed values', () => {
  const config = loadConfig({
    ...BASE,
    REDIS_URL: 'rediss://user:pw@redis.example:6380',
    REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26380',
    HTTP_PORT: '8080',
    VOICEMAIL_MAX_SECONDS: '60',
  });
  expect(config).toMatchObject({
    ari: { url: 'http://127.0.0.1:8088', username: 'voice-portal', app: 'voice-portal' },
    redis: {
      url: 'rediss://user:pw@redis.example:6380',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      sentinelName: 'mymaster',
    },
    httpPort: 8080,
    httpHost: '127.0.0.1',
    voicemail: { maxMessageSeconds: 60 },
    logLevel: 'info',
  });
});

test('self-service API and page (issue #15): defaults, parsed values, clear errors', () => {
  expect(loadConfig({ ...BASE }).api).toEqual({
    host: '127.0.0.1',
    tokenRatePerMinute: 300,
    userRatePerMinute: 60,
    webAuthHeader: 'x-forwarded-user',
    webTrustedProxies: [],
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'vp-config-'));
  writeFileSync(path.join(dir, 'csrf'), 'csrf-secret-from-a-file-0123\n');
  expect(
    loadConfig({
      ...BASE,
      API_PORT: '8090',
      API_HOST: '0.0.0.0',
      API_RATE_LIMIT_PER_MINUTE: '50',
      API_USER_RATE_LIMIT_PER_MINUTE: '5',
      WEB_AUTH_HEADER: 'Remote-Email',
      WEB_TRUSTED_PROXIES: '127.0.0.1, ::1',
      WEB_CSRF_SECRET_FILE: path.join(dir, 'csrf'),
    }).api,
  ).toEqual({
    port: 8090,
    host: '0.0.0.0',
    tokenRatePerMinute: 50,
    userRatePerMinute: 5,
    webAuthHeader: 'remote-email',
    webTrustedProxies: ['127.0.0.1', '::1'],
    webCsrfSecret: 'csrf-secret-from-a-file-0123',
  });
  expect(() => loadConfig({ ...BASE, API_PORT: '0' })).toThrow(/API_PORT must be a port number/);
  expect(() => loadConfig({ ...BASE, API_RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/API_RATE_LIMIT_PER_MINUTE/);
  expect(() => loadConfig({ ...BASE, WEB_TRUSTED_PROXIES: 'proxy.example' })).toThrow(/WEB_TRUSTED_PROXIES: "proxy.example" is not an IP address/);
  expect(() => loadConfig({ ...BASE, WEB_AUTH_HEADER: 'X User' })).toThrow(/WEB_AUTH_HEADER must be an HTTP header name/);
  expect(() => loadConfig({ ...BASE, WEB_CSRF_SECRET: 'short' })).toThrow(/WEB_CSRF_SECRET must be at least 16/);
});
