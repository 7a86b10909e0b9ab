/**
 * Canonical form of a calling number for the spray throttle (issue #11): throttle buckets are
 * keyed on it.
 *
 * A caller who can set any caller ID must not get a fresh throttle bucket by re-spelling one
 * number: `+33612345999`, `0033612345999`, `033612345999` and `612345999` dialled into a
 * French location are the same E.164 number and land in the same bucket, `33612345999`.
 * Anything that is not a plausible telephone number (letters, too short, too long, empty,
 * anonymous) lands in ONE shared bucket, so garbage cannot be multiplied either.
 *
 * The country calling code is that of the location's portal number (an E.164 number); a
 * location with no portal number has none, and only numbers written internationally (`+`,
 * `00`) can then be canonical.
 *
 * Pure: no I/O.
 */

/** The one bucket of every calling number with no canonical form. */
export const SHARED_BUCKET = 'anonymous';

/**
 * ITU-T E.164 country calling codes are a prefix code: 1 and 7 are one digit, these are two,
 * every other assigned code is three digits.
 */
const TWO_DIGIT_CODES = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

/** The country calling code an E.164 number (`+` optional) starts with, or undefined. */
export function countryCallingCode(e164: string | undefined): string | undefined {
  const digits = (e164 ?? '').replace(/^\+/, '');
  if (!/^[1-9]\d{6,14}$/.test(digits)) return undefined;
  if (digits[0] === '1' || digits[0] === '7') return digits[0];
  const two = digits.slice(0, 2);
  return TWO_DIGIT_CODES.has(two) ? two : digits.slice(0, 3);
}

/** Dialling prefixes: North America (+1) dials 011 abroad and 1 nationally, most others 00 and 0. */
function prefixesOf(cc: string | undefined): { international: string; trunk: string } {
  return cc === '1' ? { international: '011', trunk: '1' } : { international: '00', trunk: '0' };
}

/** E.164 numbers have at most 15 digits; the shortest assigned ones (small islands) have 7. */
function plausibleE164(digits: string): boolean {
  return /^[1-9]\d{6,14}$/.test(digits);
}

/** What a location's portal number tells about local numbering: country code, national number length. */
export interface HomeNumbering {
  countryCode: string;
  /** Digits after the country code in the portal number (9 in France, 10 in North America). */
  nationalLength: number;
}

/** The numbering of a location whose portal number is `portalNumber` (E.164), if it has one. */
export function homeNumbering(portalNumber: string | undefined): HomeNumbering | undefined {
  const countryCode = countryCallingCode(portalNumber);
  if (!countryCode) return undefined;
  const digits = (portalNumber ?? '').replace(/^\+/, '');
  return { countryCode, nationalLength: digits.length - countryCode.length };
}

/**
 * The digits of the E.164 number a caller ID stands for, given the location's numbering, or
 * SHARED_BUCKET. Visual separators (spaces, dots, dashes, brackets) are ignored; any other
 * character makes the caller ID unusable. Without `+` or an international prefix: an
 * optional national (trunk) prefix, then either the country code followed by a national
 * number of the location's length (E.164 written without `+`, as some trunks and PBXs do),
 * or a national number.
 */
export function canonicalCaller(callerId: string | undefined, home: HomeNumbering | undefined): string {
  const raw = (callerId ?? '').replace(/[\s().-]/g, '');
  if (!/^\+?\d+$/.test(raw)) return SHARED_BUCKET;
  const { international, trunk } = prefixesOf(home?.countryCode);
  let e164: string;
  if (raw.startsWith('+')) e164 = raw.slice(1);
  else if (raw.startsWith(international)) e164 = raw.slice(international.length);
  else if (raw.startsWith('00')) e164 = raw.slice(2);
  else if (!home) return SHARED_BUCKET;
  else {
    const national = raw.startsWith(trunk) ? raw.slice(trunk.length) : raw;
    const withCode = national.startsWith(home.countryCode) && national.length - home.countryCode.length === home.nationalLength;
    e164 = withCode ? national : home.countryCode + national;
  }
  return plausibleE164(e164) ? e164 : SHARED_BUCKET;
}
