/**
 * PIN and passcode hashing (slow, salted, keyed with a pepper that is not in Redis): scrypt
 * over HMAC-SHA256(pepper, pin), a random 16-byte salt per hash, the cost parameters written
 * into the stored string so that old hashes keep verifying after the cost is raised (and are
 * flagged for rehashing), and constant-time comparison.
 *
 * Stored format (no PIN material other than the salted hash):
 *   scrypt$v1$N=16384,r=8,p=1$<salt, base64>$<derived key, base64>
 * The key length is the length of the decoded derived key.
 *
 * crypto.scrypt (the callback form) runs on the libuv thread pool, so a verification never
 * blocks the event loop that serves the other calls.
 *
 * Nothing here logs; error messages never contain the PIN, the pepper or the stored hash.
 */
import { createHmac, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

export interface HashParams {
  /** CPU/memory cost, a power of two. Memory used is 128 * N * r bytes. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation (computed sequentially by Node: cost grows linearly). */
  p: number;
  /** Derived key length in bytes. */
  keyLen: number;
}

/**
 * Measured on the 2-core build machine (`npm run bench -- hash`): N=2^14, r=8 gives a median
 * of roughly 30-40 ms per verification (N=2^13: ~25 ms, too close to the 20 ms floor under
 * load; N=2^15: ~100 ms). 16 MiB of memory per running verification; the thread pool runs at
 * most 4 at once (UV_THREADPOOL_SIZE), so at most 64 MiB.
 */
export const CURRENT_HASH_PARAMS: HashParams = Object.freeze({ N: 16384, r: 8, p: 1, keyLen: 32 });

const SCHEME = 'scrypt';
const VERSION = 'v1';
const SALT_BYTES = 16;

/** Bounds on parameters read from a stored string: a corrupted or hostile value must not be
 * able to make one verification take seconds or gigabytes. */
const LIMITS = {
  maxN: 2 ** 20,
  maxR: 32,
  maxP: 16,
  minKeyLen: 16,
  maxKeyLen: 64,
  minSaltBytes: 8,
  maxSaltBytes: 64,
  maxMemBytes: 256 * 1024 * 1024,
} as const;

/** A stored hash that cannot be parsed. Deliberately carries no part of the stored value. */
export class PinHashFormatError extends Error {
  override name = 'PinHashFormatError';
}

export interface ParsedPinHash {
  params: HashParams;
  salt: Buffer;
  hash: Buffer;
}

function assertValidParams(params: HashParams): void {
  const { N, r, p, keyLen } = params;
  const isInt = (v: number): boolean => Number.isInteger(v) && v > 0;
  if (!isInt(N) || N < 2 || N > LIMITS.maxN || (N & (N - 1)) !== 0) {
    throw new PinHashFormatError(`scrypt N must be a power of two between 2 and ${LIMITS.maxN}`);
  }
  if (!isInt(r) || r > LIMITS.maxR) throw new PinHashFormatError(`scrypt r must be 1..${LIMITS.maxR}`);
  if (!isInt(p) || p > LIMITS.maxP) throw new PinHashFormatError(`scrypt p must be 1..${LIMITS.maxP}`);
  if (!isInt(keyLen) || keyLen < LIMITS.minKeyLen || keyLen > LIMITS.maxKeyLen) {
    throw new PinHashFormatError(`scrypt key length must be ${LIMITS.minKeyLen}..${LIMITS.maxKeyLen} bytes`);
  }
  if (memoryFor(params) > LIMITS.maxMemBytes) throw new PinHashFormatError('scrypt parameters need too much memory');
}

/** Bytes scrypt allocates for these parameters (Node refuses when this exceeds maxmem). */
function memoryFor(params: HashParams): number {
  return 128 * params.N * params.r;
}

function assertPepper(pepper: string): void {
  // An empty pepper would silently store hashes that anyone with Redis can brute-force.
  if (typeof pepper !== 'string' || pepper.length === 0) throw new TypeError('PIN pepper must be a non-empty string');
}

/** The scrypt password: the PIN keyed with the server-side pepper, so Redis alone is not enough
 * to brute-force the (small) PIN space. */
function pepperedPin(pin: string, pepper: string): Buffer {
  return createHmac('sha256', pepper).update(pin, 'utf8').digest();
}

function deriveKey(password: Buffer, salt: Buffer, params: HashParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem with 1 MiB of slack: Node's default (32 MiB) would refuse N=2^15,r=8 and above.
    const options = { N: params.N, r: params.r, p: params.p, maxmem: memoryFor(params) + 1024 * 1024 };
    scrypt(password, salt, params.keyLen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function formatHashParams(params: HashParams): string {
  return `N=${params.N},r=${params.r},p=${params.p}`;
}

function sameParams(a: HashParams, b: HashParams): boolean {
  return a.N === b.N && a.r === b.r && a.p === b.p && a.keyLen === b.keyLen;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^[1-9][0-9]{0,9}$/;

function decodeBase64(text: string, what: string): Buffer {
  const buf = Buffer.from(text, 'base64');
  // Buffer.from ignores junk silently; insist on a canonical encoding instead.
  if (!BASE64.test(text) || buf.toString('base64') !== text) throw new PinHashFormatError(`stored PIN hash: bad ${what}`);
  return buf;
}

/** Parse a stored hash string; throws PinHashFormatError if it is not one this module wrote. */
export function parseStoredHash(stored: string): ParsedPinHash {
  const parts = typeof stored === 'string' ? stored.split('$') : [];
  if (parts.length !== 5 || parts[0] !== SCHEME) throw new PinHashFormatError('stored PIN hash: not an scrypt hash');
  const [, version, paramText, saltText, hashText] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw new PinHashFormatError('stored PIN hash: unknown version');
  const fields = new Map<string, number>();
  for (const field of paramText.split(',')) {
    const [key, value, extra] = field.split('=');
    if (key === undefined || value === undefined || extra !== undefined || !DECIMAL.test(value) || fields.has(key)) {
      throw new PinHashFormatError('stored PIN hash: bad parameters');
    }
    fields.set(key, Number(value));
  }
  const N = fields.get('N');
  const r = fields.get('r');
  const p = fields.get('p');
  if (fields.size !== 3 || N === undefined || r === undefined || p === undefined) {
    throw new PinHashFormatError('stored PIN hash: bad parameters');
  }
  const salt = decodeBase64(saltText, 'salt');
  const hash = decodeBase64(hashText, 'hash');
  if (salt.length < LIMITS.minSaltBytes || salt.length > LIMITS.maxSaltBytes) {
    throw new PinHashFormatError('stored PIN hash: bad salt length');
  }
  const params: HashParams = { N, r, p, keyLen: hash.length };
  assertValidParams(params);
  return { params, salt, hash };
}

/** Hash a PIN for storage. `params` defaults to CURRENT_HASH_PARAMS (tests and migrations may
 * pass others). */
export async function hashPin(pin: string, pepper: string, params: HashParams = CURRENT_HASH_PARAMS): Promise<string> {
  assertPepper(pepper);
  assertValidParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await deriveKey(pepperedPin(pin, pepper), salt, params);
  return [SCHEME, VERSION, formatHashParams(params), salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * Check a PIN against a stored hash, re-deriving with the stored parameters. `needsRehash` is
 * true when the PIN is correct but the hash was made with other parameters than
 * CURRENT_HASH_PARAMS: the caller should then store hashPin(pin) in its place.
 * Throws PinHashFormatError if `stored` is malformed (a data problem, not a wrong PIN).
 */
export async function verifyPin(pin: string, stored: string, pepper: string): Promise<{ ok: boolean; needsRehash: boolean }> {
  assertPepper(pepper);
  const { params, salt, hash } = parseStoredHash(stored);
  const candidate = await deriveKey(pepperedPin(pin, pepper), salt, params);
  // Same length by construction (keyLen comes from the stored hash).
  const ok = timingSafeEqual(candidate, hash);
  return { ok, needsRehash: ok && !sameParams(params, CURRENT_HASH_PARAMS) };
}

// One salt and target per process for dummy verifications: only the cost matters.
const DUMMY_SALT = randomBytes(SALT_BYTES);
const DUMMY_HASH = randomBytes(CURRENT_HASH_PARAMS.keyLen);

/**
 * Do the work of one verification with the current parameters and throw the result away:
 * used for unknown mailboxes (and mailboxes without a PIN) so that response time does not tell
 * a caller whether a mailbox exists.
 */
export async function dummyVerify(pin: string, pepper: string): Promise<void> {
  assertPepper(pepper);
  const candidate = await deriveKey(pepperedPin(pin, pepper), DUMMY_SALT, CURRENT_HASH_PARAMS);
  timingSafeEqual(candidate, DUMMY_HASH);
}

/**
 * True if `pin` verifies against any of `hashes` (the user's PIN history, or the current
 * default PIN). Verifies one after the other and stops at the first match: the thread pool is
 * shared with every caller's login, so a history check should not take all of it at once.
 */
export async function matchesAnyHash(pin: string, hashes: string[], pepper: string): Promise<boolean> {
  assertPepper(pepper);
  for (const stored of hashes) {
    if ((await verifyPin(pin, stored, pepper)).ok) return true;
  }
  return false;
}

/** What the pepper fingerprint hashes: a fixed label, as if it were a PIN. */
const FINGERPRINT_LABEL = 'voice-portal pepper fingerprint';

/**
 * The identifier of the pepper stored in Redis, so that the application and the CLI refuse
 * to write or verify PINs with a different pepper (a PIN hashed with another one would never
 * verify again). It is a PIN hash of a fixed label (same format, same scrypt cost, a random
 * salt): someone holding a Redis dump who tries to guess the pepper from it pays exactly what
 * a guess against a PIN hash costs, and gains nothing over attacking a PIN hash directly.
 * Salted, so two deployments with the same pepper do not show it. `params`: tests pass cheap ones.
 */
export function pepperFingerprint(pepper: string, params: HashParams = CURRENT_HASH_PARAMS): Promise<string> {
  return hashPin(FINGERPRINT_LABEL, pepper, params);
}

/**
 * The fingerprint format before issue #11: 16 hex characters of HMAC-SHA256(pepper, label),
 * an oracle as fast as HMAC. Only recognised, never written: checkPepperFingerprint accepts it
 * (with the right pepper) so that the store can replace it with the slow format.
 */
const LEGACY_FINGERPRINT = /^[0-9a-f]{16}$/;

function legacyPepperFingerprint(pepper: string): string {
  return createHmac('sha256', pepper).update(FINGERPRINT_LABEL, 'utf8').digest('hex').slice(0, 16);
}

export type FingerprintVerdict = 'match' | 'legacy-match' | 'mismatch';

/**
 * Does a stored fingerprint belong to `pepper`? 'legacy-match': it does, in the old fast
 * format, which the caller should replace with pepperFingerprint(pepper). A value in neither
 * format is a mismatch (refusing is the safe side). Constant-time comparisons.
 */
export async function checkPepperFingerprint(pepper: string, stored: string): Promise<FingerprintVerdict> {
  assertPepper(pepper);
  if (LEGACY_FINGERPRINT.test(stored)) {
    const mine = Buffer.from(legacyPepperFingerprint(pepper));
    return timingSafeEqual(mine, Buffer.from(stored)) ? 'legacy-match' : 'mismatch';
  }
  try {
    return (await verifyPin(FINGERPRINT_LABEL, stored, pepper)).ok ? 'match' : 'mismatch';
  } catch (err) {
    if (err instanceof PinHashFormatError) return 'mismatch';
    throw err;
  }
}

const MAX_RANDOM_PIN_TRIES = 10_000;

/**
 * A uniformly random digit string of `length` (crypto.randomInt per digit), drawn again until
 * `isAcceptable` accepts it, e.g. `(pin) => checkPinForUser(pin, policy, user) === null`.
 * Throws if nothing acceptable turns up after many draws (a policy no PIN of that length can
 * satisfy) rather than looping forever.
 */
export function randomPin(length: number, isAcceptable: (pin: string) => boolean): string {
  if (!Number.isInteger(length) || length < 1 || length > 64) throw new RangeError('randomPin length must be 1..64');
  for (let attempt = 0; attempt < MAX_RANDOM_PIN_TRIES; attempt++) {
    let pin = '';
    for (let i = 0; i < length; i++) pin += String(randomInt(10));
    if (isAcceptable(pin)) return pin;
  }
  throw new Error(`randomPin: no acceptable PIN of length ${length} after ${MAX_RANDOM_PIN_TRIES} draws`);
}
