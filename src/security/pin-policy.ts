/**
 * The organisation's PIN policy (docs/admin-guide.md, "PIN rules") and the checks that need
 * no hashes. The store adds the two checks that do ('used-recently' against the history,
 * 'is-default' against the default PIN) with matchesAnyHash from ./pin-hash.
 *
 * Checks run in this order, so that the reason spoken to the caller is the most useful one:
 *   not-digits, too-short, too-long, too-simple, contains-number, too-common
 * (then, in the store: used-recently, is-default).
 *
 * Decisions the rules as written leave open:
 * - An empty entry is 'too-short' (it is all digits, there are just none).
 * - Runs do not wrap around: 8901 and 1098 are not runs (people do not think of 9→0 as "next").
 * - "Made of one block of 2 or 3 digits repeated" also covers a trailing partial block once
 *   the block appears twice in full: 1212121 and 1231231 are as guessable as 121212/123123.
 *   A single-digit block (111111) is already caught by the 4-in-a-row rule.
 * - Numbers: the extension is checked when it has 3 digits or more. The phone number is
 *   compared on its digits only ('+', spaces and punctuation dropped); when it is written in
 *   E.164 (leading '+'), its national significant number (the digits after the country code)
 *   is checked too, which also covers the national form with a trunk prefix (0612345678
 *   contains 612345678). Each number is checked forwards and reversed.
 *
 * 'too-common' (issue #11): the PIN is on the list of PINs attackers try first
 * (./common-pins.ts: the top of public PIN studies, keypad walks, mirrors, dates). On by
 * default; `refuseCommonPins: false` turns it off.
 */
import { isCommonPin } from './common-pins';

export interface PinPolicy {
  minLength: number;
  maxLength: number;
  /** How many previous PINs a new PIN must differ from. */
  historySize: number;
  /** Consecutive invalid PINs that lock a mailbox (the N-th failure locks). */
  maxFailures: number;
  /** Failures per calling number per hour, across other people's mailboxes, before refusing. */
  throttlePerHour: number;
  /** Refuse the PINs of the common-PIN list (./common-pins.ts) as 'too-common'. */
  refuseCommonPins: boolean;
}

export const DEFAULT_PIN_POLICY: PinPolicy = Object.freeze({
  minLength: 6,
  maxLength: 30,
  historySize: 5,
  maxFailures: 4,
  throttlePerHour: 10,
  refuseCommonPins: true,
});

/** Limits an administrator may set (the minimum length anywhere from 4 to 15, the maximum at most 30). */
export const POLICY_LIMITS = Object.freeze({
  minLength: { min: 4, max: 15 },
  maxLength: { max: 30 },
  historySize: { min: 0, max: 20 },
  maxFailures: { min: 1, max: 10 },
  throttlePerHour: { min: 1, max: 10_000 },
});

/** Problems with a policy an administrator wants to set, as sentences; empty when valid. */
export function validatePolicy(p: PinPolicy): string[] {
  const errors: string[] = [];
  const integer = (name: Exclude<keyof PinPolicy, 'refuseCommonPins'>): boolean => {
    if (Number.isInteger(p[name])) return true;
    errors.push(`${name} must be a whole number`);
    return false;
  };
  const L = POLICY_LIMITS;
  if (integer('minLength') && (p.minLength < L.minLength.min || p.minLength > L.minLength.max)) {
    errors.push(`minLength must be between ${L.minLength.min} and ${L.minLength.max} (got ${p.minLength})`);
  }
  if (integer('maxLength')) {
    if (p.maxLength > L.maxLength.max) errors.push(`maxLength must be at most ${L.maxLength.max} (got ${p.maxLength})`);
    if (Number.isInteger(p.minLength) && p.maxLength < p.minLength) {
      errors.push(`maxLength (${p.maxLength}) must not be less than minLength (${p.minLength})`);
    }
  }
  if (integer('historySize') && (p.historySize < L.historySize.min || p.historySize > L.historySize.max)) {
    errors.push(`historySize must be between ${L.historySize.min} and ${L.historySize.max} (got ${p.historySize})`);
  }
  if (integer('maxFailures') && (p.maxFailures < L.maxFailures.min || p.maxFailures > L.maxFailures.max)) {
    errors.push(`maxFailures must be between ${L.maxFailures.min} and ${L.maxFailures.max} (got ${p.maxFailures})`);
  }
  if (integer('throttlePerHour') && (p.throttlePerHour < L.throttlePerHour.min || p.throttlePerHour > L.throttlePerHour.max)) {
    errors.push(`throttlePerHour must be between ${L.throttlePerHour.min} and ${L.throttlePerHour.max} (got ${p.throttlePerHour})`);
  }
  if (typeof p.refuseCommonPins !== 'boolean') errors.push('refuseCommonPins must be true or false');
  return errors;
}

export type PinRejection =
  | 'not-digits'
  | 'too-short'
  | 'too-long'
  | 'too-simple'
  | 'too-common'
  | 'contains-number'
  | 'used-recently'
  | 'is-default';

/** The reason as the CLI prints it (the portal speaks the matching prompt). */
export const PIN_REJECTION_TEXT: Readonly<Record<PinRejection, string>> = Object.freeze({
  'not-digits': 'the PIN must contain digits only',
  'too-short': 'the PIN is too short',
  'too-long': 'the PIN is too long',
  'too-simple': 'the PIN is too simple (repeated digits, a run such as 1234, or a repeated pattern)',
  'too-common': 'the PIN is one of the most common PINs (a keypad pattern, a date, or a favourite of attackers)',
  'contains-number': 'the PIN contains your extension or phone number',
  'used-recently': 'the PIN was used recently',
  'is-default': 'the PIN is the default PIN',
});

export interface PinContext {
  /** The user's extension; only checked when it has 3 digits or more. */
  extension?: string;
  /** The user's phone number, E.164 preferred ("+33612345678"). */
  phoneNumber?: string;
}

const ONLY_DIGITS = /^[0-9]*$/;
const RUN_LENGTH = 4;

/** The same digit RUN_LENGTH or more times in a row, anywhere. */
export function hasRepeatedDigit(pin: string): boolean {
  let run = 1;
  for (let i = 1; i < pin.length; i++) {
    run = pin[i] === pin[i - 1] ? run + 1 : 1;
    if (run >= RUN_LENGTH) return true;
  }
  return false;
}

/** An ascending (1234) or descending (9876) run of RUN_LENGTH or more digits, anywhere;
 * no wrap-around (8901 is not a run). */
export function hasSequentialRun(pin: string): boolean {
  let up = 1;
  let down = 1;
  for (let i = 1; i < pin.length; i++) {
    const step = pin.charCodeAt(i) - pin.charCodeAt(i - 1);
    up = step === 1 ? up + 1 : 1;
    down = step === -1 ? down + 1 : 1;
    if (up >= RUN_LENGTH || down >= RUN_LENGTH) return true;
  }
  return false;
}

/** The whole PIN is one block of 2 or 3 digits repeated (121212, 123123, 1212), allowing a
 * trailing partial block once the block has appeared twice (1212121). */
export function isRepeatedBlock(pin: string): boolean {
  for (const block of [2, 3]) {
    if (pin.length < 2 * block) continue;
    let periodic = true;
    for (let i = block; i < pin.length && periodic; i++) periodic = pin[i] === pin[i - block];
    if (periodic) return true;
  }
  return false;
}

export function isTooSimple(pin: string): boolean {
  return hasRepeatedDigit(pin) || hasSequentialRun(pin) || isRepeatedBlock(pin);
}

function shapeOnly(pin: string, policy: PinPolicy): PinRejection | null {
  if (!ONLY_DIGITS.test(pin)) return 'not-digits';
  if (pin.length < policy.minLength) return 'too-short';
  if (pin.length > policy.maxLength) return 'too-long';
  if (isTooSimple(pin)) return 'too-simple';
  return null;
}

function common(pin: string, policy: PinPolicy): PinRejection | null {
  return policy.refuseCommonPins && isCommonPin(pin) ? 'too-common' : null;
}

/**
 * Digits, length, triviality and the common-PIN list: the rules that hold for every PIN and
 * passcode, whoever's (the default PIN, admin passcodes).
 */
export function checkPinShape(pin: string, policy: PinPolicy): PinRejection | null {
  return shapeOnly(pin, policy) ?? common(pin, policy);
}

const digitsOf = (s: string): string => s.replace(/[^0-9]/g, '');
const reversed = (s: string): string => [...s].reverse().join('');

/**
 * Country calling codes of 1 and 2 digits (ITU-T E.164 assignments); every other code has 3
 * digits. Codes are prefix-free, so this is enough to split an E.164 number.
 */
const ONE_DIGIT_CC = new Set(['1', '7']);
const TWO_DIGIT_CC = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

/** The digits after the country code of an E.164 number ("+33612345678" → "612345678"). */
export function nationalSignificantNumber(e164Digits: string): string {
  if (ONE_DIGIT_CC.has(e164Digits.slice(0, 1))) return e164Digits.slice(1);
  if (TWO_DIGIT_CC.has(e164Digits.slice(0, 2))) return e164Digits.slice(2);
  return e164Digits.slice(3);
}

/** The digit strings a PIN must not contain (forwards or reversed) for this user. */
export function forbiddenNumbers(ctx: PinContext): string[] {
  const numbers: string[] = [];
  const extension = digitsOf(ctx.extension ?? '');
  if (extension.length >= 3) numbers.push(extension);
  const phoneText = (ctx.phoneNumber ?? '').trim();
  const phone = digitsOf(phoneText);
  if (phone.length >= 3) {
    numbers.push(phone);
    if (phoneText.startsWith('+')) {
      const nsn = nationalSignificantNumber(phone);
      if (nsn.length >= 3) numbers.push(nsn);
    }
  }
  return numbers;
}

/** Shape rules plus "does not contain the user's extension or phone number". */
export function checkPinForUser(pin: string, policy: PinPolicy, ctx: PinContext): PinRejection | null {
  const shape = shapeOnly(pin, policy);
  if (shape !== null) return shape;
  for (const number of forbiddenNumbers(ctx)) {
    if (pin.includes(number) || pin.includes(reversed(number))) return 'contains-number';
  }
  // After the numbers: "contains your number" says more than "too common" (2001 77 is both).
  return common(pin, policy);
}

/** The location's admin passcode follows the same length and triviality rules as a PIN. */
export function checkAdminPasscode(pin: string, policy: PinPolicy): PinRejection | null {
  return checkPinShape(pin, policy);
}
