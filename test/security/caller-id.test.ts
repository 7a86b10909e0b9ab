/** Issue #11: the canonical caller ID of the spray throttle. */
import { canonicalCaller, countryCallingCode, homeNumbering, SHARED_BUCKET } from '../../src/security/caller-id';

const FR = homeNumbering('+33100000000');
const US = homeNumbering('+14155550100');

test('country calling codes of E.164 numbers (a prefix code of 1, 2 or 3 digits)', () => {
  expect(countryCallingCode('+33100000000')).toBe('33');
  expect(countryCallingCode('+14155550100')).toBe('1');
  expect(countryCallingCode('+74951234567')).toBe('7');
  expect(countryCallingCode('+351211234567')).toBe('351');
  expect(countryCallingCode('+4930123456')).toBe('49');
  expect(countryCallingCode('8000')).toBeUndefined();
  expect(countryCallingCode(undefined)).toBeUndefined();
  expect(FR).toEqual({ countryCode: '33', nationalLength: 9 });
});

test.each(['+33612345999', '0033612345999', '033612345999', '612345999', '0612345999', '33612345999', '+33 6 12 34 59 99', '06.12.34.59.99'])(
  'at a French location, %s is 33612345999',
  (spelling) => {
    expect(canonicalCaller(spelling, FR)).toBe('33612345999');
  },
);

test.each(['+14155550123', '011 1 415 555 0123', '14155550123', '4155550123', '(415) 555-0123'])('in North America, %s is 14155550123', (spelling) => {
  expect(canonicalCaller(spelling, US)).toBe('14155550123');
});

test('international forms need no home numbering; national ones do', () => {
  expect(canonicalCaller('+33612345999', undefined)).toBe('33612345999');
  expect(canonicalCaller('0033612345999', undefined)).toBe('33612345999');
  expect(canonicalCaller('0612345999', undefined)).toBe(SHARED_BUCKET);
});

test.each([undefined, '', 'anonymous', 'Restricted', '+', '12', '1001', '+1234567890123456', '0612345999x', '٠٦١٢٣٤٥٦٧٨'])(
  '%p has no canonical form: the shared bucket',
  (callerId) => {
    expect(canonicalCaller(callerId, FR)).toBe(SHARED_BUCKET);
  },
);
