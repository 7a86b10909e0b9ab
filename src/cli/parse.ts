/**
 * Option value parsers for commander. A bad value throws commander's InvalidArgumentError,
 * which commander reports as a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';

/** A whole number ≥ `min` (policy values, --limit). Range checks beyond that are the store's. */
export function integerOption(min: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('Expected a whole number.');
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`Expected a whole number of at least ${min}.`);
    return n;
  };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since`: an ISO 8601 time (2024-05-01, 2024-05-01T08:00:00Z) or an age such as 90s, 15m,
 * 2h, 7d, 2w counted back from `now`. Returns ms since the epoch.
 */
export function parseSince(value: string, now: number = Date.now()): number {
  const text = value.trim();
  const age = /^(\d+)\s*([smhdw])$/i.exec(text);
  if (age) return now - Number(age[1]) * UNIT_MS[age[2].toLowerCase()];
  // Only things that look like dates: Date.parse alone accepts odd strings such as "1".
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new InvalidArgumentError('Expected an ISO 8601 time (2024-05-01T08:00:00Z) or an age such as 15m, 2h, 7d.');
}

export function sinceOption(value: string): number {
  return parseSince(value);
}

/**
 * `--number`, `--portal-number`: E.164 (+ and 4 to 15 digits). Checked here, like every other
 * option value, so that a malformed value is a usage error (exit 2) whatever the option; the
 * store checks again (exit 1 for values that are well-formed but refused, e.g. already taken).
 */
export function e164Option(value: string): string {
  const text = value.trim();
  if (!/^\+[1-9]\d{3,14}$/.test(text)) throw new InvalidArgumentError('Expected a number in E.164 form, e.g. +33123456789 (a + and the country code, no leading 0).');
  return text;
}

/** `--extension`, `--portal-extension`: 2 to 15 digits. */
export function extensionOption(value: string): string {
  const text = value.trim();
  if (!/^\d{2,15}$/.test(text)) throw new InvalidArgumentError('Expected 2 to 15 digits.');
  return text;
}

/** `--timezone`: an IANA time zone this Node.js knows (Europe/Paris, UTC). */
export function timeZoneOption(value: string): string {
  const text = value.trim();
  try {
    new Intl.DateTimeFormat('en', { timeZone: text });
  } catch {
    throw new InvalidArgumentError(`Unknown time zone "${text}" (want an IANA name such as Europe/Paris).`);
  }
  return text;
}
