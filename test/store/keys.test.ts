/** Key building, identifier normalisation and connection options (no Redis needed). */
import { dialOwnerValue, isValidId, locationKey, locationUsersKey, parseDialOwner, userHistoryKey, userKey } from '../../src/store/keys';
import { dialDigits } from '../../src/store/records';
import { mapRedisError, redisOptions } from '../../src/store/connection';
import { StoreUnavailable, PinRejected } from '../../src/store';
import { throttleBucket } from '../../src/store/verify';
import { luaDirectory, SCRIPT_NAMES } from '../../src/store/scripts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The hash tag Redis Cluster uses to pick the slot. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

test("a user's keys share one hash tag, a location's another", () => {
  expect(hashTag(userKey('alice'))).toBe('u:alice');
  expect(hashTag(userHistoryKey('alice'))).toBe('u:alice');
  expect(hashTag(locationKey('paris'))).toBe('l:paris');
  expect(hashTag(locationUsersKey('paris'))).toBe('l:paris');
  expect(hashTag(userKey('bob'))).not.toBe(hashTag(userKey('alice')));
});

test('ids cannot break the hash tag', () => {
  expect(isValidId('alice.smith-2_b')).toBe(true);
  for (const bad of ['', 'a}b', '{x', 'a b', 'a:b', 'x'.repeat(65)]) expect(isValidId(bad)).toBe(false);
});

test('dial owners round-trip', () => {
  expect(parseDialOwner(dialOwnerValue({ kind: 'user', id: 'a' }))).toEqual({ kind: 'user', id: 'a' });
  expect(parseDialOwner(dialOwnerValue({ kind: 'location', id: 'p' }))).toEqual({ kind: 'location', id: 'p' });
  expect(parseDialOwner(null)).toBeNull();
  expect(parseDialOwner('x:y')).toBeNull();
});

test('dialled digits: a leading + is ignored; anything else must be digits', () => {
  expect(dialDigits('+33123456789')).toBe('33123456789');
  expect(dialDigits(' 1001 ')).toBe('1001');
  for (const bad of [undefined, '', '+', 'anonymous', '12#', '++33', '1234567890123456']) expect(dialDigits(bad)).toBeNull();
});

test('throttle buckets: digits, or one shared anonymous bucket', () => {
  expect(throttleBucket('+33612345678')).toBe('33612345678');
  expect(throttleBucket('33612345678')).toBe('33612345678');
  for (const anonymous of [undefined, '', 'anonymous', 'Restricted', 'unknown']) expect(throttleBucket(anonymous)).toBe('anonymous');
});

test('connection options: fail fast, credentials, TLS, database, sentinels', () => {
  const plain = redisOptions({ url: 'redis://127.0.0.1:6390' });
  expect(plain).toMatchObject({ host: '127.0.0.1', port: 6390, db: 0, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
  expect(plain.tls).toBeUndefined();
  expect(plain.password).toBeUndefined();
  const acl = redisOptions({ url: 'rediss://portal:s%40cret@redis.example:6380/2' });
  expect(acl).toMatchObject({ host: 'redis.example', port: 6380, username: 'portal', password: 's@cret', db: 2, tls: { servername: 'redis.example' } });
  const passwordOnly = redisOptions({ url: 'redis://:pw@h' });
  expect(passwordOnly).toMatchObject({ password: 'pw', port: 6379 });
  expect(passwordOnly.username).toBeUndefined();
  const sentinel = redisOptions({ url: 'redis://:pw@ignored:6379', sentinels: [{ host: 's1', port: 26379 }], sentinelName: 'main' });
  expect(sentinel).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], name: 'main', password: 'pw' });
  expect(sentinel.host).toBeUndefined();
});

test('connection errors become StoreUnavailable; the store’s own errors and script bugs do not', () => {
  expect(mapRedisError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBeInstanceOf(StoreUnavailable);
  expect(mapRedisError(new Error('Command timed out'))).toBeInstanceOf(StoreUnavailable);
  expect(mapRedisError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {}))).toBeInstanceOf(StoreUnavailable);
  const loading = Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' });
  expect(mapRedisError(loading)).toBeInstanceOf(StoreUnavailable);
  const scriptBug = Object.assign(new Error('ERR user_script:1: Script attempted to access nonexistent global variable'), { name: 'ReplyError' });
  expect(mapRedisError(scriptBug)).toBe(scriptBug);
  const rejected = new PinRejected('too-short');
  expect(mapRedisError(rejected)).toBe(rejected);
  const bug = new TypeError('x is undefined');
  expect(mapRedisError(bug)).toBe(bug);
});

test('every script exists and documents KEYS, ARGV and its reply', () => {
  const dir = luaDirectory();
  for (const name of SCRIPT_NAMES) {
    const file = join(dir, `${name}.lua`);
    expect(existsSync(file)).toBe(true);
    const header = readFileSync(file, 'utf8').split(']]')[0];
    expect(header).toMatch(/KEYS\[1\]/);
    expect(header).toMatch(/ARGV/);
    expect(header).toMatch(/Returns/);
  }
});
