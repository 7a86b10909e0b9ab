/**
 * How results are shown: `--json` documents with stable field names (times as ISO 8601 UTC,
 * absent values as null) or plain-text tables and key/value blocks. No function here accepts
 * a PIN; the one-time PIN is printed by the command that creates it, nowhere else.
 *
 * Everything goes through the terminal escaping of ./escape.ts on its way out: table cells
 * and field values one by one (a line break in a value is escaped too), composed lines line by
 * line, JSON documents with their C1 and bidi characters as \u escapes.
 */
import type { AuditEvent, Location, OrgPolicy, ThrottleBucket, User } from '../store';
import { escapeForTerminal, escapeJsonText, escapeLines } from './escape';
import { paint, type Style } from './colour';

export interface Output {
  stdout: NodeJS.WritableStream;
  json: boolean;
  /** Tables: print the header row (false with --no-headers). Default true. */
  headers?: boolean;
  /** Tables: the extra columns of `-o wide`. */
  wide?: boolean;
  /** Colour (a terminal, and NO_COLOR unset). */
  colour?: boolean;
}

/** One column of a table: its header, its text, whether only `-o wide` shows it, its colour. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  wide?: boolean;
  style?: (row: T) => Style | undefined;
}

/** A table as `-o table|wide` and `--no-headers` ask for it. */
export function printTable<T>(out: Output, columns: Column<T>[], rows: T[]): void {
  const shown = columns.filter((c) => out.wide === true || c.wide !== true);
  const cells = rows.map((r) => shown.map((c) => c.value(r)));
  const styles = rows.map((r) => shown.map((c) => c.style?.(r)));
  const text = formatTable(
    shown.map((c) => c.header),
    cells,
    {
      headers: out.headers !== false,
      paint: (cell, row, column) => paint(styles[row][column], cell, out.colour === true),
    },
  );
  // Not printLine: formatTable has escaped every cell already, and the colour codes it added
  // around them must reach the terminal as they are.
  if (text !== '') out.stdout.write(`${text}\n`);
}

export const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export interface UserJson {
  id: string;
  locationId: string;
  extension: string;
  number: string | null;
  name: string | null;
  language: string | null;
  createdAt: string | null;
  hasPin: boolean;
  mustChangePin: boolean;
  mustRecordName: boolean;
  pinChangedAt: string | null;
  failures: number;
  locked: boolean;
  lockedSince: string | null;
  email: string | null;
  emailMessages: string;
}

export function userJson(u: User): UserJson {
  return {
    id: u.id,
    locationId: u.locationId,
    extension: u.extension,
    number: u.number ?? null,
    name: u.displayName ?? null,
    language: u.language ?? null,
    createdAt: iso(u.createdAt),
    hasPin: u.hasPin,
    mustChangePin: u.mustChange,
    mustRecordName: u.mustRecordName,
    pinChangedAt: iso(u.pinChangedAt),
    failures: u.failures,
    locked: u.lockedSince !== undefined,
    lockedSince: iso(u.lockedSince),
    email: u.email ?? null,
    emailMessages: u.emailMessages,
  };
}

export interface LocationJson {
  id: string;
  name: string;
  portalNumber: string | null;
  portalExtension: string | null;
  language: string;
  timeZone: string;
  createdAt: string | null;
  hasAdminPasscode: boolean;
  adminPasscodeChangedAt: string | null;
  adminFailures: number;
  adminLocked: boolean;
  adminLockedSince: string | null;
}

export function locationJson(l: Location): LocationJson {
  return {
    id: l.id,
    name: l.name,
    portalNumber: l.portalNumber ?? null,
    portalExtension: l.portalExtension ?? null,
    language: l.language,
    timeZone: l.timeZone,
    createdAt: iso(l.createdAt),
    hasAdminPasscode: l.hasAdminPasscode,
    adminPasscodeChangedAt: iso(l.adminChangedAt),
    adminFailures: l.adminFailures,
    adminLocked: l.adminLockedSince !== undefined,
    adminLockedSince: iso(l.adminLockedSince),
  };
}

export interface AuditJson {
  id: string;
  time: string | null;
  type: string;
  actor: string;
  userId: string | null;
  locationId: string | null;
  outcome: string;
  detail: string | null;
}

export function auditJson(e: AuditEvent): AuditJson {
  return {
    id: e.id,
    time: iso(e.time),
    type: e.type,
    actor: e.actor,
    userId: e.userId ?? null,
    locationId: e.locationId ?? null,
    outcome: e.outcome,
    detail: e.detail ?? null,
  };
}

export interface PolicyJson {
  minLength: number;
  maxLength: number;
  historySize: number;
  maxFailures: number;
  throttlePerHour: number;
  refuseOutsideStarLogin: boolean;
  // issue #11
  locationThrottlePerHour: number;
  untrustedLockout: 'permanent' | 'temporary';
  refuseCommonPins: boolean;
}

export function policyJson(p: OrgPolicy): PolicyJson {
  return {
    minLength: p.minLength,
    maxLength: p.maxLength,
    historySize: p.historySize,
    maxFailures: p.maxFailures,
    throttlePerHour: p.throttlePerHour,
    refuseOutsideStarLogin: p.refuseOutsideStarLogin,
    locationThrottlePerHour: p.locationThrottlePerHour,
    untrustedLockout: p.untrustedLockout,
    refuseCommonPins: p.refuseCommonPins,
  };
}

export function throttleJson(b: ThrottleBucket): { caller: string; failures: number; throttled: boolean } {
  return { caller: b.caller, failures: b.failures, throttled: b.throttled };
}

/** One JSON document, pretty-printed, newline-terminated. */
export function printJson(out: Output, document: unknown): void {
  out.stdout.write(`${escapeJsonText(JSON.stringify(document, null, 2))}\n`);
}

/** One JSON document on one line (for `audit --follow --json`: JSON Lines). */
export function printJsonLine(out: Output, document: unknown): void {
  out.stdout.write(`${escapeJsonText(JSON.stringify(document))}\n`);
}

export function printLine(out: Output, text: string): void {
  out.stdout.write(`${escapeLines(text)}\n`);
}

export interface TableOptions {
  /** Print the header row (default true); without it, no "(none)" either: nothing at all. */
  headers?: boolean;
  /** Decorate a body cell after padding (colour codes must not count in the widths). */
  paint?: (padded: string, row: number, column: number) => string;
}

/** Columns padded to their widest cell; a header row; "(none)" when there are no rows. */
export function formatTable(headers: string[], rawRows: string[][], options: TableOptions = {}): string {
  const withHeaders = options.headers !== false;
  if (rawRows.length === 0) return withHeaders ? '(none)' : '';
  const rows = rawRows.map((r) => r.map((cell) => escapeForTerminal(cell ?? '')));
  const widths = headers.map((h, i) => Math.max(withHeaders ? h.length : 0, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], row?: number): string =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]);
        return row === undefined || !options.paint ? padded : options.paint(padded, row, i);
      })
      .join('  ')
      .trimEnd();
  return [...(withHeaders ? [line(headers)] : []), ...rows.map((r, i) => line(r, i))].join('\n');
}

/** `key: value` lines with the keys aligned. */
export function formatFields(fields: [string, string][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${escapeForTerminal(v)}`).join('\n');
}

/** A time for humans: ISO 8601 UTC to the second. */
export function humanTime(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What a user's PIN state looks like in one word or two. */
export function pinState(u: User): string {
  if (!u.hasPin) return 'none';
  return u.mustChange ? 'must change' : 'set';
}

export function userFields(u: User): [string, string][] {
  return [
    ['id', u.id],
    ['location', u.locationId],
    ['extension', u.extension],
    ['number', u.number ?? '-'],
    ['name', u.displayName ?? '-'],
    ['language', u.language ?? '(location)'],
    ['created', humanTime(u.createdAt)],
    ['PIN', pinState(u)],
    ['PIN changed', humanTime(u.pinChangedAt)],
    ['name to record', u.mustRecordName ? 'yes' : 'no'],
    ['failures', String(u.failures)],
    ['locked', u.lockedSince === undefined ? 'no' : `yes, since ${humanTime(u.lockedSince)}`],
    ['e-mail', u.email ?? '-'],
    ['e-mail messages', u.emailMessages],
  ];
}

export function locationFields(l: Location): [string, string][] {
  return [
    ['id', l.id],
    ['name', l.name],
    ['portal number', l.portalNumber ?? '-'],
    ['portal extension', l.portalExtension ?? '-'],
    ['language', l.language],
    ['time zone', l.timeZone],
    ['created', humanTime(l.createdAt)],
    ['admin passcode', l.hasAdminPasscode ? `set ${humanTime(l.adminChangedAt)}` : 'not set'],
    ['admin failures', String(l.adminFailures)],
    ['admin locked', l.adminLockedSince === undefined ? 'no' : `yes, since ${humanTime(l.adminLockedSince)}`],
  ];
}
