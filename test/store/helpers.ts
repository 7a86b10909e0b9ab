/** Shared set-up for the store's integration tests. */
import Redis from 'ioredis';
import { silentLogger } from '../../src/log';
import { checkPepperFingerprint, hashPin, pepperFingerprint, randomPin, verifyPin, type HashParams } from '../../src/security/pin-hash';
import type { PinHasher } from '../../src/store/context';
import { openStore, type Store, type StoreOptions } from '../../src/store';

/** 32 random bytes, hex: the shape config.ts insists on (drawn with openssl rand -hex 32). */
export const PEPPER = '867ff334e236b94df11d413e20f75fdf5679d3224b302824765333bf20bb36d6';

/** Cheap scrypt parameters: the suite exercises the store, not the hash cost. */
export const CHEAP_PARAMS: HashParams = { N: 1024, r: 8, p: 1, keyLen: 32 };

export interface CountingHasher extends PinHasher {
  /** verifyPin calls (real PIN evaluations; dummy verifications are counted apart). */
  evaluations: number;
  dummies: number;
  /** While set, every verifyPin waits for it before comparing (to hold attempts "in flight"). */
  gate: Promise<void> | undefined;
}

/** The real scrypt functions with cheap parameters, counting evaluations. */
export function countingHasher(): CountingHasher {
  const hasher: CountingHasher = {
    evaluations: 0,
    dummies: 0,
    gate: undefined,
    hashPin: (pin, pepper) => hashPin(pin, pepper, CHEAP_PARAMS),
    async verifyPin(pin, stored, pepper) {
      hasher.evaluations++;
      if (hasher.gate) await hasher.gate;
      const result = await verifyPin(pin, stored, pepper);
      // Cheap parameters are "outdated" for the real module: do not re-hash on every login.
      return { ok: result.ok, needsRehash: false };
    },
    async dummyVerify(pin, pepper) {
      hasher.dummies++;
      await hashPin(pin, pepper, CHEAP_PARAMS);
    },
    async matchesAnyHash(pin, hashes, pepper) {
      for (const stored of hashes) if ((await verifyPin(pin, stored, pepper)).ok) return true;
      return false;
    },
    pepperFingerprint: (pepper) => pepperFingerprint(pepper, CHEAP_PARAMS),
    checkPepperFingerprint,
    randomPin,
  };
  return hasher;
}

export function openTestStore(url: string, extra: Partial<StoreOptions> = {}): Store {
  return openStore({ redis: { url }, pepper: PEPPER, logger: silentLogger(), hasher: countingHasher(), ...extra });
}

/** A deferred promise, to hold verifications until the test releases them. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Every key name and every value of every type in the Redis at `url`, as text. Used after a
 * suite to prove no PIN it used is stored in clear anywhere.
 */
export async function dumpEverything(url: string): Promise<string[]> {
  const redis = new Redis(url);
  const texts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        texts.push(key);
        const type = await redis.type(key);
        switch (type) {
          case 'string':
            texts.push((await redis.get(key)) ?? '');
            break;
          case 'hash':
            texts.push(...Object.entries(await redis.hgetall(key)).flat());
            break;
          case 'list':
            texts.push(...(await redis.lrange(key, 0, -1)));
            break;
          case 'set':
            texts.push(...(await redis.smembers(key)));
            break;
          case 'zset':
            texts.push(...(await redis.zrange(key, '0', '-1', 'WITHSCORES')));
            break;
          case 'stream':
            for (const [id, fields] of await redis.xrange(key, '-', '+')) texts.push(id, ...fields);
            break;
          default:
            throw new Error(`unexpected key type ${type} for ${key}`);
        }
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return texts;
}

/** The secrets (PINs) found in clear among the texts. */
export function secretsFound(texts: string[], secrets: Iterable<string>): string[] {
  const found = new Set<string>();
  for (const secret of secrets) for (const text of texts) if (text.includes(secret)) found.add(secret);
  return [...found];
}
