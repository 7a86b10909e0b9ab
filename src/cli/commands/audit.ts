/**
 * `audit [--user] [--location] [--since] [--limit] [--follow]`: the audit trail, oldest first.
 *
 * --follow polls the store every second for entries newer than the last one shown (the store
 * exposes no blocking read); it runs until interrupted (Ctrl-C: exit 0). With --json it prints
 * JSON Lines (one event per line) so that a consumer can process events as they come.
 */
import type { Command } from 'commander';
import type { AuditEvent, AuditQuery } from '../../store';
import { auditJson, formatTable, humanTime, printJson, printJsonLine, printLine, type Output } from '../output';
import { integerOption, sinceOption } from '../parse';
import type { Session } from '../session';
import { withExample } from './shared';

interface AuditOptions {
  user?: string;
  location?: string;
  since?: number;
  limit: number;
  follow?: boolean;
}

const FOLLOW_POLL_MS = 1000;
/** Entries fetched per poll while following: far more than one second of activity. */
const FOLLOW_BATCH = 1000;

const HEADERS = ['TIME', 'TYPE', 'ACTOR', 'USER', 'LOCATION', 'OUTCOME', 'DETAIL'];

function row(e: AuditEvent): string[] {
  return [humanTime(e.time), e.type, e.actor, e.userId ?? '-', e.locationId ?? '-', e.outcome || '-', e.detail ?? ''];
}

/** Stream entry ids are `<ms>-<seq>`: compare them numerically, part by part. */
export function isAfter(id: string, than: string): boolean {
  const [ms, seq] = id.split('-').map(Number);
  const [thanMs, thanSeq] = than.split('-').map(Number);
  return ms !== thanMs ? ms > thanMs : seq > thanSeq;
}

/**
 * Where the next poll starts. `since` is inclusive and in ms: entries of the last one's
 * millisecond come back and are skipped by id. With nothing shown yet, no matching entry
 * existed at the first read, so starting a little before it (the stream ids come from the
 * Redis server's clock, which may differ from ours) shows nothing twice.
 */
const CLOCK_SKEW_MS = 60_000;

function streamMs(id: string): number {
  return Number(id.split('-')[0]);
}

function printFollowed(out: Output, events: AuditEvent[]): void {
  for (const e of events) {
    if (out.json) printJsonLine(out, auditJson(e));
    else printLine(out, row(e).join('  ').trimEnd());
  }
}

export function registerAudit(program: Command, session: Session, onInterrupt: (stop: () => void) => void): void {
  withExample(
    program
      .command('audit')
      .description('read the audit trail (logins, failures, locks, resets, every administrative change), oldest first')
      .option('--user <id>', 'only events about this user')
      .option('--location <id>', 'only events about this location')
      .option('--since <time>', 'only events from this time: ISO 8601 (2024-05-01T08:00:00Z) or an age (15m, 2h, 7d)', sinceOption)
      .option('--limit <n>', 'at most the N most recent matching events', integerOption(1), 100)
      .option('--follow', 'keep printing new events as they happen (Ctrl-C to stop)')
      .action(async (options: AuditOptions) => {
        const store = await session.store();
        const filter: AuditQuery = {
          ...(options.user !== undefined ? { userId: options.user } : {}),
          ...(options.location !== undefined ? { locationId: options.location } : {}),
        };
        const queryStart = Date.now();
        const events = await store.readAudit({ ...filter, ...(options.since !== undefined ? { since: options.since } : {}), limit: options.limit });
        if (!options.follow) {
          if (session.json) printJson(session.out, { events: events.map(auditJson) });
          else printLine(session.out, formatTable(HEADERS, events.map(row)));
          return;
        }
        printFollowed(session.out, events);
        let last = events.length > 0 ? events[events.length - 1] : undefined;
        let stopped = false;
        let wake: (() => void) | undefined;
        onInterrupt(() => {
          stopped = true;
          wake?.();
        });
        while (!stopped) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, FOLLOW_POLL_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          if (stopped) break;
          const since = last ? streamMs(last.id) : (options.since ?? queryStart - CLOCK_SKEW_MS);
          const fresh = (await store.readAudit({ ...filter, since, limit: FOLLOW_BATCH })).filter((e) => !last || isAfter(e.id, last.id));
          printFollowed(session.out, fresh);
          if (fresh.length > 0) last = fresh[fresh.length - 1];
        }
      }),
    'voice-portal-admin audit --user alice --since 7d',
    'voice-portal-admin audit --follow --json',
  );
}
