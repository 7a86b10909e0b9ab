/**
 * The pepper fingerprint in Redis (issue #11 item 6): a salted scrypt hash, and the migration
 * from the seed's fast format (16 hex characters of a truncated HMAC): accepted with the right
 * pepper and upgraded in place; refused with a wrong pepper, before and after the upgrade.
 */
import { createHmac } from 'node:crypto';
import Redis from 'ioredis';
import { orgKeys } from '../../src/store/keys';
import { PepperMismatch, type Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { openTestStore, PEPPER } from './helpers';

let redis: TestRedis;
let raw: Redis;
const stores: Store[] = [];

function open(pepper: string = PEPPER): Store {
  const store = openTestStore(redis.url, { pepper });
  stores.push(store);
  return store;
}

/** A different pepper, for the store only (the configuration's strength check is not involved). */
const WRONG = `${PEPPER.slice(1)}0`;

/** The fingerprint exactly as the seed (before #11) computed it. */
function legacyFingerprint(pepper: string): string {
  return createHmac('sha256', pepper).update('voice-portal pepper fingerprint', 'utf8').digest('hex').slice(0, 16);
}

beforeAll(async () => {
  redis = await startTestRedis();
  raw = new Redis(redis.url);
});

beforeEach(async () => {
  await raw.flushall();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  raw.disconnect();
  await redis.stop();
});

test('a fresh Redis gets a salted slow fingerprint; only the same pepper passes', async () => {
  await open().addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'UTC' }, 'op');
  const stored = await raw.get(orgKeys.pepperFingerprint);
  expect(stored).toMatch(/^scrypt\$v1\$N=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  expect(stored).not.toContain(legacyFingerprint(PEPPER));
  await expect(open().checkPepper()).resolves.toBeUndefined();
  await expect(open(WRONG).checkPepper()).rejects.toBeInstanceOf(PepperMismatch);
  await expect(open(WRONG).addLocation({ id: 'lyon', name: 'Lyon', portalExtension: '8100', language: 'en', timeZone: 'UTC' }, 'op')).rejects.toBeInstanceOf(PepperMismatch);
  expect(await raw.get(orgKeys.pepperFingerprint)).toBe(stored);
});

test('an old-format fingerprint is accepted with the right pepper, upgraded, and still refuses a wrong pepper', async () => {
  await raw.set(orgKeys.pepperFingerprint, legacyFingerprint(PEPPER));

  // A wrong pepper meets the old format: refused, nothing rewritten.
  await expect(open(WRONG).checkPepper()).rejects.toBeInstanceOf(PepperMismatch);
  expect(await raw.get(orgKeys.pepperFingerprint)).toBe(legacyFingerprint(PEPPER));

  // The right pepper: works, and the fingerprint is now the slow format.
  const store = open();
  const location = await store.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'UTC' }, 'op');
  expect(location.id).toBe('paris');
  const upgraded = await raw.get(orgKeys.pepperFingerprint);
  expect(upgraded).toMatch(/^scrypt\$v1\$/);

  // After the upgrade: the right pepper (this store and a new one) passes, a wrong one is refused.
  await expect(store.checkPepper()).resolves.toBeUndefined();
  await expect(open().checkPepper()).resolves.toBeUndefined();
  await expect(open(WRONG).checkPepper()).rejects.toBeInstanceOf(PepperMismatch);
  await expect(open(WRONG).addLocation({ id: 'lyon', name: 'Lyon', portalExtension: '8100', language: 'en', timeZone: 'UTC' }, 'op')).rejects.toBeInstanceOf(PepperMismatch);
  expect(await raw.get(orgKeys.pepperFingerprint)).toBe(upgraded);
});

test('several instances upgrading at once agree on one fingerprint', async () => {
  await raw.set(orgKeys.pepperFingerprint, legacyFingerprint(PEPPER));
  const instances = [open(), open(), open(), open()];
  await Promise.all(instances.map((s) => s.checkPepper()));
  const upgraded = await raw.get(orgKeys.pepperFingerprint);
  expect(upgraded).toMatch(/^scrypt\$v1\$/);
  await Promise.all(instances.map((s) => expect(s.checkPepper()).resolves.toBeUndefined()));
});

test('a fingerprint replaced under a running store (another pepper set up) is noticed at once', async () => {
  const store = open();
  await store.checkPepper();
  await raw.del(orgKeys.pepperFingerprint);
  await open(WRONG).checkPepper(); // the other pepper claims the empty Redis
  await expect(store.checkPepper()).rejects.toBeInstanceOf(PepperMismatch);
});
