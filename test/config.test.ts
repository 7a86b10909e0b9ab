/** src/config.ts: the environment, validated once; secrets from variables or files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DEVELOPMENT_PEPPER, loadConfig } from '../src/config';

const BASE = { ARI_PASSWORD: 'ari-secret-0123456789' };
const PEPPER = 'a-long-random-pepper-0123456789';

test('production refuses to start without a pepper', () => {
  expect(() => loadConfig({ ...BASE, NODE_ENV: 'production' })).toThrow(ConfigError);
  expect(() => loadConfig({ ...BASE, NODE_ENV: 'production' })).toThrow(/PIN_PEPPER or PIN_PEPPER_FILE is required/);
  expect(loadConfig({ ...BASE, NODE_ENV: 'production', PIN_PEPPER: PEPPER })).toMatchObject({ pinPepper: PEPPER, pinPepperIsDevelopmentDefault: false });
});

test('outside production, no pepper means the public development pepper, flagged', () => {
  expect(loadConfig({ ...BASE })).toMatchObject({ pinPepper: DEVELOPMENT_PEPPER, pinPepperIsDevelopmentDefault: true });
});

test('a pepper shorter than 16 characters is refused', () => {
  expect(() => loadConfig({ ...BASE, PIN_PEPPER: 'short' })).toThrow(/at least 16 characters/);
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
