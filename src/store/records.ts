/**
 * Field names of the user and location hashes, conversion to the public types (which never
 * carry a hash), and validation of what operators type.
 */
import { InvalidInput } from './errors';
import { isValidId } from './keys';
import { EMAIL_MESSAGES_MODES, type EmailMessagesMode, type Location, type User } from './types';

/** The lockout fields of a subject, passed to the generic Lua scripts. */
export interface LockFields {
  hash: string;
  failures: string;
  locked: string;
  gen: string;
  /** End of a temporary lock (ms); absent on a permanent one (issue #11). */
  until: string;
  /** Attempts ever counted: each reservation's place, so a success settles only its own. */
  seq: string;
  /** When the latest attempt was counted (ms, Redis clock): tells pending from abandoned. */
  reservedAt: string;
  /** Temporary locks in a row since the last success (the back-off doubles with each). */
  tempLocks: string;
  /** Attempts counted whose verification has not settled yet. */
  pending: string;
}

export const USER_LOCK_FIELDS: LockFields = {
  hash: 'pinHash',
  failures: 'failures',
  locked: 'lockedSince',
  gen: 'gen',
  until: 'lockedUntil',
  seq: 'failSeq',
  reservedAt: 'reservedAt',
  tempLocks: 'tempLocks',
  pending: 'pendingAttempts',
};
export const ADMIN_LOCK_FIELDS: LockFields = {
  hash: 'adminHash',
  failures: 'adminFailures',
  locked: 'adminLockedSince',
  gen: 'adminGen',
  until: 'adminLockedUntil',
  seq: 'adminFailSeq',
  reservedAt: 'adminReservedAt',
  tempLocks: 'adminTempLocks',
  pending: 'adminPendingAttempts',
};

/** A phantom subject (a mailbox that does not exist) uses the user's field names. */
export const PHANTOM_LOCK_FIELDS: LockFields = USER_LOCK_FIELDS;

export type RawRecord = Record<string, string>;

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}

function optionalText<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === '' ? {} : ({ [name]: value } as Record<K, string>);
}

export function toUser(raw: RawRecord): User | null {
  if (!raw.id) return null;
  const pinChangedAt = optionalNumber(raw.pinChangedAt);
  const lockedSince = optionalNumber(raw.lockedSince);
  const lockedUntil = optionalNumber(raw.lockedUntil);
  return {
    id: raw.id,
    locationId: raw.locationId ?? '',
    extension: raw.extension ?? '',
    ...optionalText('number', raw.number),
    ...optionalText('language', raw.language),
    ...optionalText('displayName', raw.displayName),
    createdAt: Number(raw.createdAt ?? 0),
    hasPin: Boolean(raw.pinHash),
    mustChange: raw.mustChange === '1',
    mustRecordName: raw.mustRecordName === '1',
    ...(pinChangedAt !== undefined ? { pinChangedAt } : {}),
    failures: Number(raw.failures ?? 0),
    ...(lockedSince !== undefined ? { lockedSince } : {}),
    ...(lockedSince !== undefined && lockedUntil !== undefined ? { lockedUntil } : {}),
    ...optionalText('email', raw.email),
    emailMessages: isEmailMessagesMode(raw.emailMessages) ? raw.emailMessages : 'off',
  };
}

export function isEmailMessagesMode(value: string | undefined): value is EmailMessagesMode {
  return (EMAIL_MESSAGES_MODES as readonly (string | undefined)[]).includes(value);
}

export function requireEmailMessagesMode(value: string): EmailMessagesMode {
  if (!isEmailMessagesMode(value)) throw new InvalidInput(`e-mail messages must be one of ${EMAIL_MESSAGES_MODES.join(', ')}`);
  return value;
}

export function toLocation(raw: RawRecord): Location | null {
  if (!raw.id) return null;
  const adminLockedSince = optionalNumber(raw.adminLockedSince);
  const adminChangedAt = optionalNumber(raw.adminChangedAt);
  return {
    id: raw.id,
    name: raw.name ?? '',
    ...optionalText('portalNumber', raw.portalNumber),
    ...optionalText('portalExtension', raw.portalExtension),
    language: raw.language ?? 'en',
    timeZone: raw.timeZone ?? 'UTC',
    createdAt: Number(raw.createdAt ?? 0),
    hasAdminPasscode: Boolean(raw.adminHash),
    adminFailures: Number(raw.adminFailures ?? 0),
    ...(adminLockedSince !== undefined ? { adminLockedSince } : {}),
    ...(adminChangedAt !== undefined ? { adminChangedAt } : {}),
  };
}

/**
 * The digits under which a number or extension is dialled and indexed: a leading `+` is
 * ignored (callers and trunks write E.164 numbers either way). Null when what remains is not 1-15 digits.
 */
export function dialDigits(value: string | undefined): string | null {
  if (value === undefined) return null;
  const digits = value.trim().replace(/^\+/, '');
  return /^\d{1,15}$/.test(digits) ? digits : null;
}

export function requireId(id: string, what: string): string {
  if (!isValidId(id)) throw new InvalidInput(`${what} id must be 1-64 letters, digits, '_', '.' or '-'`);
  return id;
}

export function requireExtension(extension: string, what = 'extension'): string {
  if (!/^\d{2,15}$/.test(extension)) throw new InvalidInput(`${what} must be 2 to 15 digits`);
  return extension;
}

export function requireE164(number: string, what = 'number'): string {
  if (!/^\+[1-9]\d{3,14}$/.test(number)) throw new InvalidInput(`${what} must be in E.164 form, e.g. +33123456789`);
  return number;
}

export function requireLanguage(language: string): string {
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(language)) throw new InvalidInput('language must be a code such as en, fr or fr-CA');
  return language;
}

export function requireTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new InvalidInput(`unknown time zone "${timeZone}" (want an IANA name such as Europe/Paris)`);
  }
  return timeZone;
}

/**
 * Characters a name may not hold: C0 controls and DEL, C1 controls (U+0080-U+009F, 8-bit
 * terminal sequences), bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069:
 * they make a name display as something else) and the line/paragraph separators.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function hasControlCharacter(text: string): boolean {
  return UNSAFE_IN_NAME.test(text);
}

export function requireText(value: string, what: string, max = 100): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max || hasControlCharacter(trimmed)) {
    throw new InvalidInput(`${what} must be 1 to ${max} printable characters (no control or bidi characters)`);
  }
  return trimmed;
}

/**
 * An e-mail address as stored (issues #15/#16): trimmed, lower-cased, one `@`, no spaces or
 * control characters, a dot in the domain, at most 254 characters.
 */
export function requireEmail(email: string): string {
  const value = email.trim().toLowerCase();
  if (value.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) || hasControlCharacter(value)) {
    throw new InvalidInput('e-mail must be an address such as alice@example.com');
  }
  return value;
}
