/**
 * `audit [--user] [--location] [--since] [--limit] [--follow]`: the audit trail, oldest first.
 *
 * --follow prints the matching history, then every new matching event as it is appended
 * (the store's followAudit: a blocking read on a dedicated connection, no polling), until
 * interrupted (Ctrl-C: exit 0). With --json it prints JSON Lines (one event per line) so
 * that a consumer can process events as they come. If Redis goes away while following, the
 * command ends with exit 3 like any other.
 *
 * The trail and the noise (throttled and refused-while-locked calls, a stream of their own so
 * that a flood of them never rolls a lock or a reset out of the trail) are shown merged in time
 * order; --no-noise shows the trail alone (what to read after a flood).
 */
import type { Command } from 'commander';
import type { AuditEvent, AuditFilter } from '../../store';
import { auditJson, humanTime, printJson, printJsonLine, printLine, printTable, type Column, type Output } from '../output';
import { integerOption, sinceOption } from '../parse';
import type { Session } from '../session';
import { withExample } from './shared';

interface AuditOptions {
  user?: string;
  location?: string;
  since?: number;
  limit: number;
  follow?: boolean;
  /** commander's --no-noise: false when given. */
  noise: boolean;
}

const AUDIT_COLUMNS: Column<AuditEvent>[] = [
  { header: 'TIME', value: (e) => humanTime(e.time) },
  { header: 'TYPE', value: (e) => e.type, style: (e) => (/lock|throttle|refused/.test(e.type) && e.type !== 'unlocked' ? 'alert' : undefined) },
  { header: 'ACTOR', value: (e) => e.actor },
  { header: 'USER', value: (e) => e.userId ?? '-' },
  { header: 'LOCATION', value: (e) => e.locationId ?? '-' },
  { header: 'OUTCOME', value: (e) => e.outcome || '-' },
  { header: 'ID', value: (e) => e.id, wide: true },
  { header: 'DETAIL', value: (e) => e.detail ?? '' },
];

function row(e: AuditEvent): string[] {
  return AUDIT_COLUMNS.filter((c) => c.wide !== true).map((c) => c.value(e));
}

/** Stream entry ids are `<ms>-<seq>`: compare them numerically, part by part. */
export function isAfter(id: string, than: string): boolean {
  const [ms, seq] = id.split('-').map(Number);
  const [thanMs, thanSeq] = than.split('-').map(Number);
  return ms !== thanMs ? ms > thanMs : seq > thanSeq;
}

function printFollowed(out: Output, e: AuditEvent): void {
  if (out.json) printJsonLine(out, auditJson(e));
  else printLine(out, row(e).join('  ').trimEnd());
}

export function registerAudit(program: Command, session: Session, onInterrupt: (stop: () => void) => void): void {
  withExample(
    program
      .command('audit')
      .description('read the audit trail (logins, failures, locks, resets, every administrative change), oldest first')
      .option('--user <id>', 'only events about this user')
      .option('--location <id>', 'only events about this location (its users\' logins, failures and locks included)')
      .option('--since <time>', 'only events from this time: ISO 8601 (2024-05-01T08:00:00Z) or an age (15m, 2h, 7d)', sinceOption)
      .option('--limit <n>', 'at most the N most recent matching events', integerOption(1), 100)
      .option('--follow', 'keep printing new events as they happen (Ctrl-C to stop)')
      .option('--no-noise', 'leave out the throttled and refused-while-locked calls (kept apart from the trail, so that a flood of them cannot push locks and resets out)')
      .action(async (options: AuditOptions) => {
        const store = await session.store();
        const filter: AuditFilter = {
          ...(options.user !== undefined ? { userId: options.user } : {}),
          ...(options.location !== undefined ? { locationId: options.location } : {}),
          ...(options.noise ? {} : { includeNoise: false }),
        };
        // Taken BEFORE the history is read: every entry up to it is covered by that read.
        const newestBefore = options.follow ? await store.latestAuditId() : '0-0';
        const events = await store.readAudit({ ...filter, ...(options.since !== undefined ? { since: options.since } : {}), limit: options.limit });
        if (!options.follow) {
          if (session.json) printJson(session.out, { events: events.map(auditJson) });
          else printTable(session.out, AUDIT_COLUMNS, events);
          return;
        }
        for (const e of events) printFollowed(session.out, e);
        // The history ends with the newest matching entry; entries after it up to
        // `newestBefore` did not match. Follow from whichever is later: no gap, no repeat.
        const lastShown = events.length > 0 ? events[events.length - 1].id : undefined;
        const from = lastShown !== undefined && isAfter(lastShown, newestBefore) ? lastShown : newestBefore;
        const stop = new AbortController();
        onInterrupt(() => stop.abort());
        await store.followAudit(from, (e) => printFollowed(session.out, e), stop.signal, filter);
      }),
    'voice-portal-admin audit --user alice --since 7d',
    'voice-portal-admin audit --location paris --follow --json',
    'voice-portal-admin audit --no-noise --since 1d',
  );
}
