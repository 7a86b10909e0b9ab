import { createHmac } from 'node:crypto';
import {
  CURRENT_HASH_PARAMS,
  PinHashFormatError,
  checkPepperFingerprint,
  dummyVerify,
  formatHashParams,
  hashPin,
  matchesAnyHash,
  parseStoredHash,
  pepperFingerprint,
  randomPin,
  verifyPin,
  type HashParams,
} from '../../src/security/pin-hash';
import { DEFAULT_PIN_POLICY, checkPinForUser, type PinPolicy } from '../../src/security/pin-policy';

const PEPPER = 'da345956b61d806a084c3b81c69d20065fb556c43dd96ce4f64df68e48fbe7cd';
const OTHER_PEPPER = '760d9a974ec0d8f0082b7ab66354f09765f4f67a9d5c54d2f2a2c103ca476c74';
/** Cheaper than production: for hashes whose cost does not matter to the test. */
const CHEAP: HashParams = { N: 1024, r: 8, p: 1, keyLen: 32 };

describe('hashPin / verifyPin', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPin('583920', PEPPER);
  });

  test('round trip: the right PIN verifies with current params', async () => {
    await expect(verifyPin('583920', stored, PEPPER)).resolves.toEqual({ ok: true, needsRehash: false });
  });

  test('a wrong PIN fails', async () => {
    await expect(verifyPin('583921', stored, PEPPER)).resolves.toEqual({ ok: false, needsRehash: false });
    await expect(verifyPin('', stored, PEPPER)).resolves.toEqual({ ok: false, needsRehash: false });
  });

  test('the right PIN with a wrong pepper fails', async () => {
    await expect(verifyPin('583920', stored, OTHER_PEPPER)).resolves.toEqual({ ok: false, needsRehash: false });
  });

  test('stored string carries scheme, version and params, and not the PIN', () => {
    expect(stored).toMatch(/^scrypt\$v1\$N=16384,r=8,p=1\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/);
    expect(stored).not.toContain('583920');
    const parsed = parseStoredHash(stored);
    expect(parsed.params).toEqual(CURRENT_HASH_PARAMS);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(CURRENT_HASH_PARAMS.keyLen);
  });

  test('the same PIN hashes differently each time (random salt)', async () => {
    const again = await hashPin('583920', PEPPER);
    expect(again).not.toBe(stored);
    expect(parseStoredHash(again).salt.equals(parseStoredHash(stored).salt)).toBe(false);
    await expect(verifyPin('583920', again, PEPPER)).resolves.toMatchObject({ ok: true });
  });
});

describe('older parameters', () => {
  test('a hash made with other params still verifies and asks for a rehash', async () => {
    const old = await hashPin('740261', PEPPER, CHEAP);
    expect(old).toMatch(/^scrypt\$v1\$N=1024,r=8,p=1\$/);
    await expect(verifyPin('740261', old, PEPPER)).resolves.toEqual({ ok: true, needsRehash: true });
  });

  test('a wrong PIN against old params does not ask for a rehash', async () => {
    const old = await hashPin('740261', PEPPER, CHEAP);
    await expect(verifyPin('740262', old, PEPPER)).resolves.toEqual({ ok: false, needsRehash: false });
  });

  test('a different key length counts as outdated', async () => {
    const old = await hashPin('740261', PEPPER, { ...CHEAP, N: CURRENT_HASH_PARAMS.N, keyLen: 24 });
    expect(parseStoredHash(old).params.keyLen).toBe(24);
    await expect(verifyPin('740261', old, PEPPER)).resolves.toEqual({ ok: true, needsRehash: true });
  });
});

describe('malformed input', () => {
  const salt = Buffer.alloc(16, 1).toString('base64');
  const hash = Buffer.alloc(32, 2).toString('base64');
  test.each([
    ['empty', ''],
    ['plain text', '583920'],
    ['other scheme', `bcrypt$v1$N=1024,r=8,p=1$${salt}$${hash}`],
    ['unknown version', `scrypt$v9$N=1024,r=8,p=1$${salt}$${hash}`],
    ['missing p', `scrypt$v1$N=1024,r=8$${salt}$${hash}`],
    ['extra field', `scrypt$v1$N=1024,r=8,p=1,x=1$${salt}$${hash}`],
    ['N not a power of two', `scrypt$v1$N=1000,r=8,p=1$${salt}$${hash}`],
    ['N too large (cost attack)', `scrypt$v1$N=16777216,r=8,p=1$${salt}$${hash}`],
    ['r too large', `scrypt$v1$N=1024,r=999,p=1$${salt}$${hash}`],
    ['not base64', `scrypt$v1$N=1024,r=8,p=1$${salt}$not*base64`],
    ['short hash', `scrypt$v1$N=1024,r=8,p=1$${salt}$${Buffer.alloc(4).toString('base64')}`],
  ])('%s is a PinHashFormatError', async (_label, stored) => {
    await expect(verifyPin('583920', stored, PEPPER)).rejects.toBeInstanceOf(PinHashFormatError);
  });

  test('format errors never echo the stored value', async () => {
    const stored = `scrypt$v1$N=1000,r=8,p=1$${salt}$${hash}`;
    const err = await verifyPin('583920', stored, PEPPER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PinHashFormatError);
    expect((err as Error).message).not.toContain(salt);
    expect((err as Error).message).not.toContain('583920');
  });

  test('an empty pepper is refused', async () => {
    await expect(hashPin('583920', '')).rejects.toThrow(/pepper/);
    await expect(pepperFingerprint('')).rejects.toThrow(/pepper/);
  });

  test('invalid params are refused when hashing', async () => {
    await expect(hashPin('583920', PEPPER, { N: 1000, r: 8, p: 1, keyLen: 32 })).rejects.toBeInstanceOf(PinHashFormatError);
  });
});

describe('dummyVerify', () => {
  test('resolves to nothing, whatever the PIN', async () => {
    await expect(dummyVerify('583920', PEPPER)).resolves.toBeUndefined();
    await expect(dummyVerify('', PEPPER)).resolves.toBeUndefined();
  });
});

describe('matchesAnyHash', () => {
  let history: string[];
  beforeAll(async () => {
    history = await Promise.all(['105938', '260417', '839502'].map((pin) => hashPin(pin, PEPPER, CHEAP)));
  });

  test('true when any hash matches', async () => {
    await expect(matchesAnyHash('260417', history, PEPPER)).resolves.toBe(true);
    await expect(matchesAnyHash('839502', history, PEPPER)).resolves.toBe(true);
  });

  test('false when none does, or with another pepper, or with no hashes', async () => {
    await expect(matchesAnyHash('777013', history, PEPPER)).resolves.toBe(false);
    await expect(matchesAnyHash('260417', history, OTHER_PEPPER)).resolves.toBe(false);
    await expect(matchesAnyHash('260417', [], PEPPER)).resolves.toBe(false);
  });
});

describe('pepperFingerprint', () => {
  test('a salted scrypt hash (as slow as a PIN hash) that only its own pepper matches', async () => {
    const a = await pepperFingerprint(PEPPER, CHEAP);
    const b = await pepperFingerprint(PEPPER, CHEAP);
    expect(a).toMatch(/^scrypt\$v1\$N=1024,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(b).not.toBe(a); // random salt
    expect(await pepperFingerprint(PEPPER)).toContain(`$${formatHashParams(CURRENT_HASH_PARAMS)}$`);
    await expect(checkPepperFingerprint(PEPPER, a)).resolves.toBe('match');
    await expect(checkPepperFingerprint(PEPPER, b)).resolves.toBe('match');
    await expect(checkPepperFingerprint(OTHER_PEPPER, a)).resolves.toBe('mismatch');
    expect(a).not.toContain(PEPPER);
  });

  test('the old 16-hex fingerprint (truncated HMAC) is recognised for its pepper only; junk is a mismatch', async () => {
    // Written the way the seed wrote it.
    const legacy = createHmac('sha256', PEPPER).update('voice-portal pepper fingerprint', 'utf8').digest('hex').slice(0, 16);
    await expect(checkPepperFingerprint(PEPPER, legacy)).resolves.toBe('legacy-match');
    await expect(checkPepperFingerprint(OTHER_PEPPER, legacy)).resolves.toBe('mismatch');
    await expect(checkPepperFingerprint(PEPPER, 'not-a-fingerprint')).resolves.toBe('mismatch');
  });
});

describe('randomPin', () => {
  const user = { extension: '4721', phoneNumber: '+33698154273' };
  const accept = (policy: PinPolicy) => (pin: string) => checkPinForUser(pin, policy, user) === null;

  test.each([6, 8, 12, 30])('a %i-digit PIN has that length and passes the policy', (length) => {
    for (let i = 0; i < 50; i++) {
      const pin = randomPin(length, accept(DEFAULT_PIN_POLICY));
      expect(pin).toMatch(new RegExp(`^[0-9]{${length}}$`));
      expect(checkPinForUser(pin, DEFAULT_PIN_POLICY, user)).toBeNull();
    }
  });

  test('retries until acceptable', () => {
    let calls = 0;
    const pin = randomPin(6, (candidate) => {
      calls++;
      return calls >= 3 && candidate.length === 6;
    });
    expect(calls).toBe(3);
    expect(pin).toHaveLength(6);
  });

  test('gives up instead of looping forever when nothing is acceptable', () => {
    expect(() => randomPin(6, () => false)).toThrow(/no acceptable PIN/);
  });

  test('varies from call to call', () => {
    const pins = new Set(Array.from({ length: 20 }, () => randomPin(8, () => true)));
    expect(pins.size).toBeGreaterThan(15);
  });

  test('refuses a nonsense length', () => {
    expect(() => randomPin(0, () => true)).toThrow(RangeError);
    expect(() => randomPin(2.5, () => true)).toThrow(RangeError);
  });
});
