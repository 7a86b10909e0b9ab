/**
 * Locks and unlocks for /metrics, counted from the audit trail rather than where this
 * process made them: an unlock is mostly an operator's CLI command (another process), and a
 * lock may be made by another application instance. The application follows the stream
 * (`followAudit`, one blocking connection, read in batches once a second) from the moment it
 * starts, and resumes from the last entry seen after a Redis outage.
 */
import type { Logger } from '../log';
import type { AuditEvent, Store } from '../store';
import type { LockSubject } from './prometheus';

export interface LockCounter {
  locked(subject: LockSubject): void;
  unlocked(subject: LockSubject): void;
}

/** What an audit event means for the lock counters, if anything. */
export function lockChangeOf(event: Pick<AuditEvent, 'type' | 'outcome'>): { change: 'locked' | 'unlocked'; subject: LockSubject } | null {
  switch (event.type) {
    case 'locked':
      return { change: 'locked', subject: 'mailbox' };
    case 'admin-locked':
      return { change: 'locked', subject: 'admin' };
    case 'unlocked':
      return event.outcome === 'unlocked' ? { change: 'unlocked', subject: 'mailbox' } : null;
    case 'admin-unlocked':
      return event.outcome === 'unlocked' ? { change: 'unlocked', subject: 'admin' } : null;
    default:
      return null;
  }
}

/** The events lockChangeOf reads: the follower skips the others (a login per call) unparsed. */
const LOCK_EVENTS = ['locked', 'admin-locked', 'unlocked', 'admin-unlocked'] as const;

const RETRY_MS = 1000;
/**
 * The counters may be this late (a scrape every 15 s or more does not see it): the follower
 * reads once per second what was appended meanwhile, instead of waking for every login's
 * audit entry (a Redis round trip per login; found by npm run bench -- compare).
 */
export const LOCK_COUNT_BATCH_MS = 1000;

/** Count until `signal` aborts. Never throws. */
export async function countLocksFromAudit(store: Pick<Store, 'followAudit' | 'latestAuditId'>, counter: LockCounter, logger: Logger, signal: AbortSignal): Promise<void> {
  let from: string | undefined;
  while (!signal.aborted) {
    try {
      from ??= await store.latestAuditId();
      await store.followAudit(
        from,
        (event) => {
          from = event.id;
          const lock = lockChangeOf(event);
          if (lock) counter[lock.change](lock.subject);
        },
        signal,
        // Locks and unlocks are never noise (throttled and refused calls).
        { includeNoise: false, types: LOCK_EVENTS },
        { batchMs: LOCK_COUNT_BATCH_MS },
      );
    } catch (err) {
      logger.debug('metrics: audit follow interrupted, resuming', { error: err instanceof Error ? err.message : String(err) });
    }
    if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
  }
}
