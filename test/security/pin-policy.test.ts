import {
  DEFAULT_PIN_POLICY,
  PIN_REJECTION_TEXT,
  checkAdminPasscode,
  checkPinForUser,
  checkPinShape,
  forbiddenNumbers,
  nationalSignificantNumber,
  validatePolicy,
  type PinContext,
  type PinPolicy,
  type PinRejection,
} from '../../src/security/pin-policy';
import { commonPins, isCommonPin } from '../../src/security/common-pins';
import { randomPin } from '../../src/security/pin-hash';

const policy = DEFAULT_PIN_POLICY;
const min4: PinPolicy = { ...DEFAULT_PIN_POLICY, minLength: 4 };
const max8: PinPolicy = { ...DEFAULT_PIN_POLICY, maxLength: 8 };

const alice: PinContext = { extension: '4721', phoneNumber: '+33698154273' };
const shortExt: PinContext = { extension: '42' };
const usNumber: PinContext = { phoneNumber: '+1 415-639-0182' };
const nationalOnly: PinContext = { phoneNumber: '0297135864' };

type Case = [label: string, pin: string, ctx: PinContext, expected: PinRejection | null, p?: PinPolicy];

const cases: Case[] = [
  // digits only
  ['letters', '12a456', {}, 'not-digits'],
  ['space inside', '135 792', {}, 'not-digits'],
  ['hash sign', '135792#', {}, 'not-digits'],
  ['star sign', '*135792', {}, 'not-digits'],
  ['arabic-indic digits are not ASCII digits', '١٣٥٧٩٢', {}, 'not-digits'],
  ['not-digits wins over too-short', 'a1', {}, 'not-digits'],
  // length
  ['empty entry', '', {}, 'too-short'],
  ['5 digits under default minimum', '13579', {}, 'too-short'],
  ['6 digits is the default minimum', '135792', {}, null],
  ['30 digits is the default maximum', '135792468035791357924680357913', {}, null],
  ['31 digits', '1357924680357913579246803579135', {}, 'too-long'],
  ['9 digits over a maximum of 8', '135792468', {}, 'too-long', max8],
  ['4 digits allowed when minimum is 4', '1385', {}, null, min4],
  ['3 digits under minimum 4', '135', {}, 'too-short', min4],
  ['too-short wins over too-simple', '1111', {}, 'too-short'],
  // same digit 4+ in a row
  ['all one digit', '111111', {}, 'too-simple'],
  ['four zeros in the middle', '1900003', {}, 'too-simple'],
  ['four sevens at the end', '2857777', {}, 'too-simple'],
  ['three in a row is fine', '5550193', {}, null],
  ['two triples are fine', '1114447', {}, null],
  // ascending / descending runs of 4+
  ['ascending from 1', '123456', {}, 'too-simple'],
  ['ascending run inside', '9023458', {}, 'too-simple'],
  ['descending run', '987654', {}, 'too-simple'],
  ['descending run at the end', '5196543', {}, 'too-simple'],
  ['run of 3 is fine', '1235813', {}, null],
  ['descending run of 3 is fine', '3217958', {}, null],
  ['no wrap-around ascending (8901)', '589014', {}, null],
  ['no wrap-around descending (1098)', '610983', {}, null],
  ['1234 alone with minimum 4', '1234', {}, 'too-simple', min4],
  // one block of 2 or 3 repeated
  ['block of 2 repeated', '121212', {}, 'too-simple'],
  ['block of 3 repeated', '123123', {}, 'too-simple'],
  ['block of 3 with zero', '507507', {}, 'too-simple'],
  ['block of 2 with a partial block', '1212121', {}, 'too-simple'],
  ['block of 3 with a partial block', '4074074', {}, 'too-simple'],
  ['block of 2 repeated twice with minimum 4', '1212', {}, 'too-simple', min4],
  ['block of 4 repeated is not a 2/3 block', '13571357', {}, null],
  ['two blocks that differ', '121213', {}, null],
  ['palindrome is fine', '135531', {}, null],
  ['ordinary PIN', '831264', {}, null],
  ['ordinary long PIN', '8312649075', {}, null],
  // contains the extension (3+ digits)
  ['contains extension', '904721', alice, 'contains-number'],
  ['contains extension reversed', '127490', alice, 'contains-number'],
  ['is the extension plus digits at the start', '472190', alice, 'contains-number'],
  ['a 2-digit extension is not checked', '904280', shortExt, null],
  ['partial extension is fine', '947290', alice, null],
  ['extension not checked without context', '904721', {}, null],
  // contains the phone number
  ['contains the national significant number', '698154273', alice, 'contains-number'],
  ['national form with trunk prefix', '0698154273', alice, 'contains-number'],
  ['full E.164 digits', '33698154273', alice, 'contains-number'],
  ['national significant number reversed', '372451896', alice, 'contains-number'],
  ['US number with punctuation: NSN', '94156390182', usNumber, 'contains-number'],
  ['+7 number reversed', '28105557', { phoneNumber: '+75550182' }, 'contains-number'],
  ['number without + compared as given', '02971358647', nationalOnly, 'contains-number'],
  ['number without + has no NSN to strip', '297135864', nationalOnly, null],
  ['different number is fine', '839201', alice, null],
  // order: too-simple wins over contains-number
  ['simple and contains extension', '1234721', alice, 'too-simple'],
];

describe('PIN policy table', () => {
  test('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases)('%s: %j', (_label, pin, ctx, expected, p = policy) => {
    expect(checkPinForUser(pin, p, ctx)).toBe(expected);
  });
});

describe('checkPinShape and checkAdminPasscode', () => {
  test('shape ignores numbers; user check adds them', () => {
    expect(checkPinShape('904721', policy)).toBeNull();
    expect(checkPinForUser('904721', policy, alice)).toBe('contains-number');
  });

  test('admin passcode follows length and triviality rules', () => {
    expect(checkAdminPasscode('12345', policy)).toBe('too-short');
    expect(checkAdminPasscode('246246', policy)).toBe('too-simple');
    expect(checkAdminPasscode('0'.repeat(31), policy)).toBe('too-long');
    expect(checkAdminPasscode('x50193', policy)).toBe('not-digits');
    expect(checkAdminPasscode('750193', policy)).toBeNull();
    expect(checkAdminPasscode('7501', min4)).toBeNull();
  });
});

describe('phone number handling', () => {
  test.each([
    ['33612345678', '612345678'],
    ['14155550182', '4155550182'],
    ['79161234567', '9161234567'],
    ['442071234567', '2071234567'],
    ['352621123456', '621123456'],
    ['8613800138000', '13800138000'],
  ])('NSN of %s is %s', (e164, nsn) => {
    expect(nationalSignificantNumber(e164)).toBe(nsn);
  });

  test('forbidden numbers: extension, full digits, NSN', () => {
    expect(forbiddenNumbers(alice)).toEqual(['4721', '33698154273', '698154273']);
    expect(forbiddenNumbers({ extension: '12' })).toEqual([]);
    expect(forbiddenNumbers({})).toEqual([]);
  });
});

describe('validatePolicy', () => {
  test('the default policy is valid', () => {
    expect(DEFAULT_PIN_POLICY).toEqual({ minLength: 6, maxLength: 30, historySize: 5, maxFailures: 4, throttlePerHour: 10, refuseCommonPins: true });
    expect(validatePolicy(DEFAULT_PIN_POLICY)).toEqual([]);
  });

  test('limits an administrator may set are accepted', () => {
    expect(validatePolicy({ minLength: 4, maxLength: 4, historySize: 0, maxFailures: 1, throttlePerHour: 1, refuseCommonPins: false })).toEqual([]);
    expect(validatePolicy({ minLength: 15, maxLength: 30, historySize: 20, maxFailures: 10, throttlePerHour: 500, refuseCommonPins: true })).toEqual([]);
  });

  test.each<[string, Partial<PinPolicy>, RegExp]>([
    ['minLength 3', { minLength: 3 }, /minLength must be between 4 and 15/],
    ['minLength 16', { minLength: 16, maxLength: 30 }, /minLength must be between 4 and 15/],
    ['maxLength 31', { maxLength: 31 }, /maxLength must be at most 30/],
    ['maxLength below minLength', { minLength: 8, maxLength: 7 }, /maxLength \(7\) must not be less than minLength \(8\)/],
    ['historySize -1', { historySize: -1 }, /historySize must be between 0 and 20/],
    ['historySize 21', { historySize: 21 }, /historySize must be between 0 and 20/],
    ['maxFailures 0', { maxFailures: 0 }, /maxFailures must be between 1 and 10/],
    ['maxFailures 11', { maxFailures: 11 }, /maxFailures must be between 1 and 10/],
    ['throttlePerHour 0', { throttlePerHour: 0 }, /throttlePerHour must be between 1/],
    ['fractional minLength', { minLength: 6.5 }, /minLength must be a whole number/],
    ['NaN throttle', { throttlePerHour: Number.NaN }, /throttlePerHour must be a whole number/],
  ])('%s is rejected', (_label, change, message) => {
    const errors = validatePolicy({ ...DEFAULT_PIN_POLICY, ...change });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  test('several problems are all reported', () => {
    expect(validatePolicy({ minLength: 2, maxLength: 40, historySize: 50, maxFailures: 0, throttlePerHour: 0, refuseCommonPins: true })).toHaveLength(5);
  });
});

test('every rejection has a printable reason', () => {
  const all: PinRejection[] = ['not-digits', 'too-short', 'too-long', 'too-simple', 'too-common', 'contains-number', 'used-recently', 'is-default'];
  for (const r of all) expect(PIN_REJECTION_TEXT[r]).toMatch(/\w/);
});

describe('common PINs (too-common)', () => {
  const policy = { ...DEFAULT_PIN_POLICY, minLength: 4 };

  test.each(['112233', '147258', '159753', '123321', '102030', '010190', '25121985', '19900101', '741852', '2580', '1004', '246810', '11223344'])(
    '%s is refused as too-common',
    (pin) => {
      expect(checkPinShape(pin, policy)).toBe('too-common');
      expect(checkPinForUser(pin, policy, {})).toBe('too-common');
      expect(checkAdminPasscode(pin, policy)).toBe('too-common');
    },
  );

  test('turned off, the same PINs pass (the other rules still apply)', () => {
    const off = { ...policy, refuseCommonPins: false };
    for (const pin of ['112233', '147258', '159753', '123321', '102030', '010190']) expect(checkPinShape(pin, off)).toBeNull();
    expect(checkPinShape('123456', off)).toBe('too-simple');
  });

  test('an ordinary PIN passes; so does one that merely contains a date or a walk', () => {
    for (const pin of ['583920', '740261', '19907352', '91472583', '260417']) expect(checkPinShape(pin, policy)).toBeNull();
  });

  test('the list blocks little of the PIN space: random PINs are rarely refused by it', () => {
    const list = commonPins();
    const share = (length: number): number => [...list].filter((p) => p.length === length).length / 10 ** length;
    expect(share(6)).toBeLessThan(0.06);
    expect(share(8)).toBeLessThan(0.001);
    expect(share(4)).toBeLessThan(0.1);
  });

  test('randomPin never draws a common PIN', () => {
    for (let i = 0; i < 300; i++) expect(isCommonPin(randomPin(6, (pin) => checkPinForUser(pin, DEFAULT_PIN_POLICY, {}) === null))).toBe(false);
  });
});

test("a PIN that contains the user's number and is common is refused for the number (the more useful reason)", () => {
  expect(checkPinForUser('200177', DEFAULT_PIN_POLICY, { extension: '2001' })).toBe('contains-number');
  expect(checkPinForUser('200177', DEFAULT_PIN_POLICY, {})).toBe('too-common');
});
