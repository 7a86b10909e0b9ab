/**
 * The audit trail: a capped Redis Stream of every security event and administrative write.
 * Entries carry time, type, actor, user or location, outcome and a short detail; never a PIN,
 * a passcode, digits typed at a PIN prompt, or a hash (callers pass only the fields below).
 *
 * Locks, unlocks and resets are also logged at warn level and, when configured, POSTed to
 * the lockout webhook (fire and forget: see LockoutWebhook).
 */
import type Redis from 'ioredis';
import type { Logger } from '../log';
import { auditKey } from './keys';
import type { AuditEvent, AuditEventType, AuditQuery } from './types';

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

export class LockoutWebhook {
  private readonly controller = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly delaysMs: readonly number[] = [500, 2000, 5000],
    private readonly attemptTimeoutMs = 5000,
  ) {}

  /** Never throws, never waits: the call flow goes on while this retries in the background. */
  notify(payload: Record<string, unknown>): void {
    void this.attempt(JSON.stringify(payload), 0);
  }

  private async attempt(body: string, retry: number): Promise<void> {
    if (this.controller.signal.aborted) return;
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.attemptTimeoutMs)]),
      });
      // Drain the body so the socket is released.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return;
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      if (this.controller.signal.aborted) return;
      const delay = this.delaysMs[retry];
      if (delay === undefined) {
        this.logger.error('lockout webhook failed, giving up', { attempts: retry + 1, error: (err as Error).message });
        return;
      }
      this.logger.warn('lockout webhook failed, will retry', { attempt: retry + 1, error: (err as Error).message });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.attempt(body, retry + 1);
      }, delay);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** Abandon pending deliveries (store closing). */
  close(): void {
    this.controller.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export class AuditTrail {
  constructor(
    private readonly redis: Redis,
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
        if (!event) continue;
        if (query.userId !== undefined && event.userId !== query.userId) continue;
        if (query.locationId !== undefined && event.locationId !== query.locationId) continue;
        found.push(event);
        if (found.length >= limit) break;
      }
      if (page.length < 500) break;
      end = `(${page[page.length - 1][0]}`;
    }
    return found.reverse();
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
