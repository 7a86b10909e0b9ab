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
}

export const USER_LOCK_FIELDS: LockFields = { hash: 'pinHash', failures: 'failures', locked: 'lockedSince', gen: 'gen' };
export const ADMIN_LOCK_FIELDS: LockFields = {
  hash: 'adminHash',
  failures: 'adminFailures',
  locked: 'adminLockedSince',
  gen: 'adminGen',
};

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

/**
 * An e-mail address as stored: trimmed, lower-cased, one `@`, a dotted domain, no spaces,
 * control characters or characters that would let it break out of a mail header.
 */
export function requireEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(email)) {
    throw new InvalidInput(`"${value}" is not an e-mail address`);
  }
  return email;
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
 * ignored (SPEC §2). Null when what remains is not 1-15 digits.
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

function hasControlCharacter(text: string): boolean {
  for (const ch of text) if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) return true;
  return false;
}

export function requireText(value: string, what: string, max = 100): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max || hasControlCharacter(trimmed)) {
    throw new InvalidInput(`${what} must be 1 to ${max} printable characters`);
  }
  return trimmed;
}
