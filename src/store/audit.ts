/**
 * The audit trail: two capped Redis Streams. `vp:audit` holds every security event and
 * administrative write; `{vp:audit}:noise` holds the events a caller produces for free and in
 * any number (throttled, refused while locked): kept apart, a flood of them rolls over only
 * itself, never a lock, a reset or an admin change. Readers see both, merged in time order
 * (or the trail alone: includeNoise false).
 * Entries carry time, type, actor, user or location, outcome and a short detail; never a PIN,
 * a passcode, digits typed at a PIN prompt, or a hash (callers pass only the fields below).
 *
 * Locks, unlocks and resets are also logged at warn level and, when configured, POSTed to
 * the lockout webhook (fire and forget: see LockoutWebhook).
 *
 * Readers: `read` (the last N matching entries) and `followAuditStream` (blocking XREAD on a
 * dedicated connection, for `audit --follow`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from './connection';
import type { Logger } from '../log';
import { checkWebhookUrl, webhookOrigin } from '../security/webhook-url';
import { auditKey, auditNoiseKey } from './keys';
import type { AuditEvent, AuditEventType, AuditFilter, AuditQuery } from './types';

/** Approximate cap of the trail (XADD MAXLEN ~): old entries go first. */
export const AUDIT_MAX_LENGTH = 100_000;
/** Approximate cap of the noise stream. */
export const AUDIT_NOISE_MAX_LENGTH = 100_000;

/**
 * Events a caller can produce at no cost and in any volume: no PIN is evaluated for them.
 * (Wrong PINs cost an evaluation and a throttle slot: they stay in the trail.)
 */
export const NOISE_EVENTS: ReadonlySet<AuditEventType> = new Set<AuditEventType>(['throttled', 'login-refused-locked', 'admin-login-refused-locked']);

const STREAMS = [auditKey, auditNoiseKey] as const;

export type AuditInput = Omit<AuditEvent, 'id' | 'time'> & {
  /**
   * Issue #11, locks only: subjects (mailboxes, admin accesses) locked in the last hour, this
   * one included; added to the warn log line and the webhook payload so a spray shows at once.
   */
  lockedLastHour?: number;
};

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
 *
 * Hygiene (issue #11): the URL is validated again here (http/https, no credentials: the
 * credential is `token`, sent as `Authorization: Bearer`); redirects are never followed (a 3xx
 * answer is a failed delivery: following one would re-POST the event wherever the receiver
 * points, a loopback service included); log lines name the target by scheme and host only.
 */
export class LockoutWebhook {
  private readonly controller = new AbortController();
  /** Deliveries not finished yet: a POST in flight or waiting for its next retry. */
  private readonly pending = new Set<Promise<void>>();
  private gaveUp = 0;
  private readonly url: string;
  /** What log lines say about the target: scheme and host. */
  private readonly target: string;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly delaysMs: readonly number[] = [500, 2000, 5000],
    private readonly attemptTimeoutMs = 5000,
    private readonly token?: string,
  ) {
    const checked = checkWebhookUrl(url);
    if (!checked.ok) throw new TypeError(`lockout webhook URL ${checked.reason}`);
    this.url = checked.url;
    this.target = webhookOrigin(checked.url);
  }

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
          headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.attemptTimeoutMs)]),
        });
        // Drain the body so the socket is released.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        throw new Error(res.status >= 300 && res.status < 400 ? `HTTP ${res.status} (redirect, not followed)` : `HTTP ${res.status}`);
      } catch (err) {
        if (signal.aborted) return;
        const delay = this.delaysMs[retry];
        if (delay === undefined) {
          this.gaveUp++;
          this.logger.error('lockout webhook failed, giving up', { target: this.target, attempts: retry + 1, error: this.describe(err) });
          return;
        }
        this.logger.warn('lockout webhook failed, will retry', { target: this.target, attempt: retry + 1, error: this.describe(err) });
        await this.pause(delay);
      }
    }
  }

  /**
   * A delivery error as a log may show it: the message and the low-level cause's code
   * (ECONNREFUSED…), with any copy of the URL or the token cut down to the scheme and host.
   */
  private describe(err: unknown): string {
    const error = err as Error & { cause?: { code?: unknown; message?: unknown } };
    const cause = error.cause?.code ?? error.cause?.message;
    const code = typeof cause === 'string' ? ` (${cause})` : '';
    let text = `${error.message ?? String(err)}${code}`;
    for (const secretPart of [this.url, this.token]) if (secretPart) text = text.split(secretPart).join(this.target);
    return text;
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
    const noise = NOISE_EVENTS.has(event.type);
    await this.redis.xadd(noise ? auditNoiseKey : auditKey, 'MAXLEN', '~', String(noise ? AUDIT_NOISE_MAX_LENGTH : AUDIT_MAX_LENGTH), '*', ...args);
    if (NOTIFIED.has(event.type)) {
      const { type, actor, userId, locationId, outcome } = event;
      const spray = event.lockedLastHour !== undefined ? { lockedLastHour: event.lockedLastHour } : {};
      this.logger.warn(`voice portal ${type}`, { event: type, actor, userId, locationId, outcome, ...spray });
      this.webhook?.notify({ event: type, time: new Date(time).toISOString(), actor, userId, locationId, outcome, ...spray });
    }
  }

  /** Id of the newest entry of either stream, `0-0` when there is none: where a follower starts. */
  latestId(): Promise<string> {
    return newestId(this.redis);
  }

  /** The most recent `limit` matching events (of the trail, and the noise unless excluded), oldest first. */
  async read(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const limit = query.limit ?? 100;
    const keys = query.includeNoise === false ? [auditKey] : STREAMS;
    const perStream = await Promise.all(keys.map((key) => this.readStream(key, query, limit)));
    return perStream.flat().sort((a, b) => compareIds(a.id, b.id)).slice(-limit);
  }

  /** The most recent `limit` matching events of one stream, newest first. */
  private async readStream(key: string, query: AuditQuery, limit: number): Promise<AuditEvent[]> {
    const found: AuditEvent[] = [];
    const start = query.since !== undefined ? String(query.since) : '-';
    let end = '+';
    const matching = entryMatcher(query);
    // Walk backwards in pages until enough matches or the start is reached.
    while (found.length < limit) {
      const page = await this.redis.xrevrange(key, end, start, 'COUNT', 500);
      if (page.length === 0) break;
      for (const [id, fields] of page) {
        const event = matching(id, fields);
        if (!event) continue;
        found.push(event);
        if (found.length >= limit) break;
      }
      if (page.length < 500) break;
      end = `(${page[page.length - 1][0]}`;
    }
    return found;
  }
}

/** Stream ids are `<ms>-<seq>`; both streams take them from the one Redis clock. */
export function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs !== bMs ? aMs - bMs : aSeq - bSeq;
}

async function newestId(redis: RedisClient): Promise<string> {
  let newest = '0-0';
  for (const key of STREAMS) {
    const last = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
    if (last.length > 0 && compareIds(last[0][0], newest) > 0) newest = last[0][0];
  }
  return newest;
}

/**
 * The reader of raw entries for one filter: the event an entry holds when it matches, else
 * null. An entry of a type the filter leaves out is passed over before it is parsed: a reader
 * of a few types (the lock counters of /metrics) would otherwise parse every login's entry.
 */
function entryMatcher(filter: AuditFilter): (id: string, fields: string[]) => AuditEvent | null {
  const types: ReadonlySet<string> | undefined = filter.types && new Set(filter.types);
  return (id, fields) => {
    if (types && !types.has(fieldOf(fields, 'type') ?? '')) return null;
    const event = parseEntry(id, fields);
    if (!event) return null;
    const matches =
      (filter.userId === undefined || event.userId === filter.userId) && (filter.locationId === undefined || event.locationId === filter.locationId);
    return matches ? event : null;
  };
}

/** The value of one field of a raw entry (`[name, value, name, value…]`), without parsing the rest. */
function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** How long one blocking read waits on the server before it is issued again. */
export const FOLLOW_BLOCK_MS = 5000;
/** Entries per read: a burst larger than this is read in several rounds, nothing is skipped. */
const FOLLOW_BATCH = 500;

export interface FollowOptions {
  /**
   * After delivering what a read returned, wait this long before the next read (ms; 0: read
   * again at once), so that what is appended meanwhile comes in one read instead of one each.
   * For a follower that can be a little late (the lock counters of /metrics): a blocking read
   * re-issued at once wakes for every login's entry, a Redis round trip per login. A full
   * read (FOLLOW_BATCH entries) is followed at once, so a burst never falls behind.
   */
  batchMs?: number;
}

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
  opts: FollowOptions = {},
): Promise<void> {
  const keys = filter.includeNoise === false ? [auditKey] : [...STREAMS];
  // '$' ("from now") must be pinned to a real id once: XREAD '$' again after a read that
  // timed out would skip whatever was appended between the two reads.
  const start = fromId === '$' ? await newestId(connection) : fromId;
  const lastIds = keys.map(() => start);
  const matching = entryMatcher(filter);
  while (!signal.aborted) {
    let reply: [string, [string, string[]][]][] | null;
    try {
      reply = await connection.xread('COUNT', FOLLOW_BATCH, 'BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', ...keys, ...lastIds);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    // One reply may carry entries of both streams: deliver them in time order.
    const batch: AuditEvent[] = [];
    for (const [key, entries] of reply ?? []) {
      const index = keys.indexOf(key);
      for (const [id, fields] of entries) {
        if (index >= 0) lastIds[index] = id;
        const event = matching(id, fields);
        if (event) batch.push(event);
      }
    }
    batch.sort((a, b) => compareIds(a.id, b.id));
    for (const event of batch) {
      await onEvent(event);
      if (signal.aborted) return;
    }
    // A full read is followed at once (a burst must not fall behind); an empty one blocked already.
    if ((opts.batchMs ?? 0) > 0 && reply && !reply.some(([, entries]) => entries.length >= FOLLOW_BATCH)) {
      try {
        // Unref'd: a wait between reads never holds a process that is otherwise done.
        await sleep(opts.batchMs, undefined, { signal, ref: false });
      } catch {
        return; // aborted while waiting
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
