/**
 * The audit trail: a capped Redis Stream of every security event and administrative write.
 * Entries carry time, type, actor, user or location, outcome and a short detail; never a PIN,
 * a passcode, digits typed at a PIN prompt, or a hash (callers pass only the fields below).
 *
 * Locks, unlocks and resets are also logged at warn level and, when configured, POSTed to
 * the lockout webhook (fire and forget: see LockoutWebhook).
 *
 * Readers: `read` (the last N matching entries) and `followAuditStream` (blocking XREAD on a
 * dedicated connection, for `audit --follow`).
 */
import type { RedisClient } from './connection';
import type { Logger } from '../log';
import { auditKey } from './keys';
import type { AuditEvent, AuditEventType, AuditFilter, AuditQuery } from './types';

/** Approximate cap (XADD MAXLEN ~): old entries go first. */
export const AUDIT_MAX_LENGTH = 100_000;

export type AuditInput = Omit<AuditEvent, 'id' | 'time'>;

const FIELDS = ['type', 'actor', 'userId', 'locationId', 'outcome', 'detail'] as const;

/** Events pushed to the administrator (warn log + webhook). */
const NOTIFIED: ReadonlySet<AuditEventType> = new Set<AuditEventType>([
  'locked',
  'unlocked',
  'admin-reset',
  'random-pin-issued',
  'admin-locked',
  'admin-unlocked',
]);

/**
 * POSTs lock, unlock and reset notifications. A delivery is one notification, tried once and
 * retried after each of `delaysMs` (5 s per try); failures are logged, never thrown.
 */
export class LockoutWebhook {
  private readonly controller = new AbortController();
  /** Deliveries not finished yet: a POST in flight or waiting for its next retry. */
  private readonly pending = new Set<Promise<void>>();
  private gaveUp = 0;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly delaysMs: readonly number[] = [500, 2000, 5000],
    private readonly attemptTimeoutMs = 5000,
  ) {}

  /** Never throws, never waits: the call flow goes on while this retries in the background. */
  notify(payload: Record<string, unknown>): void {
    if (this.controller.signal.aborted) return;
    const delivery: Promise<void> = this.deliver(JSON.stringify(payload)).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  private async deliver(body: string): Promise<void> {
    const { signal } = this.controller;
    for (let retry = 0; !signal.aborted; retry++) {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.attemptTimeoutMs)]),
        });
        // Drain the body so the socket is released.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        throw new Error(`HTTP ${res.status}`);
      } catch (err) {
        if (signal.aborted) return;
        const delay = this.delaysMs[retry];
        if (delay === undefined) {
          this.gaveUp++;
          this.logger.error('lockout webhook failed, giving up', { attempts: retry + 1, error: (err as Error).message });
          return;
        }
        this.logger.warn('lockout webhook failed, will retry', { attempt: retry + 1, error: (err as Error).message });
        await this.pause(delay);
      }
    }
  }

  /** Wait before a retry; cut short by close(). Unref'd: a retry alone keeps no process alive. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.controller.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      timer.unref();
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Stop: wait up to `drainMs` for the deliveries in progress (their retries included), then
   * abandon the rest. Returns how many notifications were not delivered since the start
   * (given up after the last retry, or abandoned now); the abandoned ones are logged.
   */
  async close(drainMs = 0): Promise<number> {
    if (drainMs > 0 && this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      // Referenced on purpose: a process whose only work left is this drain (the CLI after its
      // command) must stay alive until the deliveries end or the deadline passes.
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainMs);
      });
      const allDone = async (): Promise<void> => {
        while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
      };
      await Promise.race([allDone(), deadline]);
      clearTimeout(timer);
    }
    const abandoned = this.pending.size;
    if (abandoned > 0) this.logger.error('lockout webhook: store closing, notifications abandoned', { abandoned });
    this.controller.abort();
    await Promise.allSettled([...this.pending]);
    return this.gaveUp + abandoned;
  }
}

export class AuditTrail {
  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    private readonly webhook?: LockoutWebhook,
  ) {}

  /**
   * Append an event. Rejects (StoreUnavailable after mapping) when Redis is down: callers
   * order their steps so that a lost audit entry never hides a security change (see README).
   */
  async record(event: AuditInput): Promise<void> {
    const time = Date.now();
    const args: string[] = ['time', String(time)];
    for (const field of FIELDS) {
      const value = event[field];
      if (value !== undefined && value !== '') args.push(field, value);
    }
    await this.redis.xadd(auditKey, 'MAXLEN', '~', String(AUDIT_MAX_LENGTH), '*', ...args);
    if (NOTIFIED.has(event.type)) {
      const { type, actor, userId, locationId, outcome } = event;
      this.logger.warn(`voice portal ${type}`, { event: type, actor, userId, locationId, outcome });
      this.webhook?.notify({ event: type, time: new Date(time).toISOString(), actor, userId, locationId, outcome });
    }
  }

  /** Id of the newest entry, `0-0` when there is none: where a follower starts. */
  latestId(): Promise<string> {
    return newestId(this.redis);
  }

  /** The most recent `limit` matching events, oldest first. */
  async read(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const limit = query.limit ?? 100;
    const found: AuditEvent[] = [];
    const start = query.since !== undefined ? String(query.since) : '-';
    let end = '+';
    // Walk backwards in pages until enough matches or the start is reached.
    while (found.length < limit) {
      const page = await this.redis.xrevrange(auditKey, end, start, 'COUNT', 500);
      if (page.length === 0) break;
      for (const [id, fields] of page) {
        const event = parseEntry(id, fields);
        if (!event || !matches(event, query)) continue;
        found.push(event);
        if (found.length >= limit) break;
      }
      if (page.length < 500) break;
      end = `(${page[page.length - 1][0]}`;
    }
    return found.reverse();
  }
}

async function newestId(redis: RedisClient): Promise<string> {
  const newest = await redis.xrevrange(auditKey, '+', '-', 'COUNT', 1);
  return newest.length > 0 ? newest[0][0] : '0-0';
}

function matches(event: AuditEvent, filter: AuditFilter): boolean {
  return (filter.userId === undefined || event.userId === filter.userId) && (filter.locationId === undefined || event.locationId === filter.locationId);
}

/** How long one blocking read waits on the server before it is issued again. */
export const FOLLOW_BLOCK_MS = 5000;
/** Entries per read: a burst larger than this is read in several rounds, nothing is skipped. */
const FOLLOW_BATCH = 500;

/**
 * Deliver every entry appended after `fromId` (a stream id, or `$` for "from now") that
 * matches `filter`, in order, until
 * `signal` aborts (resolves) or the connection fails (rejects with the raw error).
 *
 * `connection` must be dedicated to this follower: XREAD BLOCK holds it for up to
 * FOLLOW_BLOCK_MS. Its owner disconnects it when `signal` aborts, which cuts the pending read
 * short (this function then returns). Its command timeout must exceed FOLLOW_BLOCK_MS.
 */
export async function followAuditStream(
  connection: RedisClient,
  fromId: string,
  onEvent: (event: AuditEvent) => void | Promise<void>,
  signal: AbortSignal,
  filter: AuditFilter = {},
): Promise<void> {
  // '$' ("from now") must be pinned to a real id once: XREAD '$' again after a read that
  // timed out would skip whatever was appended between the two reads.
  let lastId = fromId === '$' ? await newestId(connection) : fromId;
  while (!signal.aborted) {
    let reply: [string, [string, string[]][]][] | null;
    try {
      reply = await connection.xread('COUNT', FOLLOW_BATCH, 'BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', auditKey, lastId);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        lastId = id;
        const event = parseEntry(id, fields);
        if (event && matches(event, filter)) await onEvent(event);
        if (signal.aborted) return;
      }
    }
  }
}

function parseEntry(id: string, fields: string[]): AuditEvent | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const type = map.get('type') as AuditEventType | undefined;
  if (!type) return null;
  const optional = (name: string): string | undefined => map.get(name);
  return {
    id,
    time: Number(map.get('time') ?? id.split('-')[0]),
    type,
    actor: map.get('actor') ?? 'unknown',
    ...(optional('userId') !== undefined ? { userId: optional('userId') } : {}),
    ...(optional('locationId') !== undefined ? { locationId: optional('locationId') } : {}),
    outcome: map.get('outcome') ?? '',
    ...(optional('detail') !== undefined ? { detail: optional('detail') } : {}),
  };
}
