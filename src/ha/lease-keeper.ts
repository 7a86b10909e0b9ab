/**
 * Active/standby for one Asterisk server (issue #14): keeps, or waits for, the lease that says
 * which application instance holds that server's ARI application. The engine follows the
 * keeper's role (src/app.ts wires them): `active` → open the events socket and serve;
 * `standby` → no events socket at all (Asterisk gives an app to the newest socket, so a
 * standby holding one would steal the app), REST only.
 *
 * Timing, with ttl = ARI_LEASE_TTL_MS (default 3000 ms):
 * - the holder renews every ttl/3; each successful renewal sent at t gives it the right to
 *   act until t + ttl·5/6 on its own monotonic clock. Redis lets the key lapse no earlier than
 *   t + ttl (the renewal ran after it was sent), so an old holder always stops acting at least
 *   ttl/6 before anyone else can take the lease;
 * - a standby tries to take the lease every `pollMs` (default ttl/12, at least 100 ms); it
 *   succeeds once the key has lapsed (SIGKILL of the holder: at most ttl later) or has been
 *   released (SIGTERM: at once);
 * - fencing: every take hands out a larger token; a renewal or a release with an old token is
 *   refused in Redis. A holder that was paused (SIGSTOP, a long GC, a frozen VM) finds on
 *   waking that its deadline has passed (`mayAct()` is false from the first instruction on,
 *   before any timer runs), and its next renewal is refused: it stands down. The engine asks
 *   `mayAct()` before every REST request it sends for a call and before every event it routes.
 *
 * Redis unreachable: renewals fail; at the deadline the holder stands down (it cannot prove
 * it still holds the lease). Every instance is then standby until Redis is back — the same
 * outcome for callers as an active instance without Redis (no login can be checked).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log';
import type { LeaseOperations } from '../store';

export type LeaseRole = 'standby' | 'active' | 'handing-over' | 'stopped';

export interface LeaseKeeperOptions {
  /** The Asterisk server's name (ARI_SERVERS). */
  server: string;
  /** This instance's id (random per process; shown as the lease's holder). */
  holder: string;
  leases: LeaseOperations;
  ttlMs: number;
  /** How often a standby tries to take the lease (default ttl/12, at least 100 ms). */
  pollMs?: number;
  logger: Logger;
  /**
   * Wait this long before the first try (ARI_LEASE_PREFER: an instance tries its preferred
   * servers at once and the others one ttl later, so instances started together spread the
   * servers between them; after that every standby competes alike, failover is not slower).
   */
  startDelayMs?: number;
  /** Monotonic clock in ms (tests). */
  now?: () => number;
}

export interface LeaseState {
  server: string;
  role: LeaseRole;
  /** The fencing token held (active or handing over), else undefined. */
  token: number | undefined;
}

export class LeaseKeeper extends EventEmitter {
  private current: LeaseRole = 'stopped';
  private heldToken: number | undefined;
  /** Monotonic ms until which the holder may act (see the header). */
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private lastHolderSeen = '';
  private warnedUnavailable = false;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: LeaseKeeperOptions) {
    super();
    this.now = opts.now ?? (() => performance.now());
    this.pollMs = opts.pollMs ?? Math.max(100, Math.floor(opts.ttlMs / 12));
    this.log = opts.logger.child({ component: 'lease', server: opts.server });
  }

  get role(): LeaseRole {
    return this.current;
  }

  get state(): LeaseState {
    return { server: this.opts.server, role: this.current, token: this.heldToken };
  }

  /** True while this instance may act on the server's calls. */
  mayAct(): boolean {
    if (this.current === 'handing-over') return true;
    return this.current === 'active' && this.now() < this.deadline;
  }

  start(): void {
    if (this.current !== 'stopped') return;
    this.setRole('standby');
    this.schedule(() => this.tryAcquire(), this.opts.startDelayMs ?? 0);
  }

  /**
   * Planned handover (SIGTERM): free the lease now so that a standby takes it within its poll
   * interval. This instance goes on serving its calls in progress until the new holder's
   * socket replaces it (the engine then lets go of them) or the drain ends. Never competes again.
   */
  async handOver(): Promise<void> {
    this.clearTimers();
    const token = this.heldToken;
    if (this.current !== 'active' || token === undefined) {
      this.setRole('stopped');
      return;
    }
    this.setRole('handing-over');
    try {
      const released = await this.opts.leases.release(this.opts.server, token);
      this.log.warn('lease released for a planned handover', { token, released });
    } catch (err) {
      this.log.warn('could not release the lease; it will lapse by itself', { token, error: errorText(err) });
    }
  }

  /**
   * The engine lost the app anyway (ApplicationReplaced: another socket took it). Give the
   * lease up and wait one ttl before competing again, so two instances never trade the app
   * back and forth.
   */
  async lostTheApp(): Promise<void> {
    const token = this.heldToken;
    if (this.current !== 'active' || token === undefined) return;
    this.demote('another connection took the ARI app', this.opts.ttlMs);
    try {
      await this.opts.leases.release(this.opts.server, token);
    } catch {
      // It lapses by itself.
    }
  }

  /** Stop for good; a held lease is released (best effort). */
  async stop(): Promise<void> {
    const token = this.current === 'active' ? this.heldToken : undefined;
    this.clearTimers();
    this.heldToken = undefined;
    this.setRole('stopped');
    if (token !== undefined) {
      try {
        await this.opts.leases.release(this.opts.server, token);
      } catch {
        // It lapses by itself.
      }
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private setRole(next: LeaseRole): void {
    if (this.current === next) return;
    this.current = next;
    this.emit('role', next);
  }

  private schedule(fn: () => Promise<void>, delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void fn();
    }, delayMs);
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  private async tryAcquire(): Promise<void> {
    if (this.current !== 'standby') return;
    const sentAt = this.now();
    try {
      const result = await this.opts.leases.acquire(this.opts.server, this.opts.holder, this.opts.ttlMs);
      this.warnedUnavailable = false;
      if (this.current !== 'standby') {
        // Stopped meanwhile: do not keep a lease nobody will renew.
        if (result.acquired) await this.opts.leases.release(this.opts.server, result.token).catch(() => false);
        return;
      }
      if (result.acquired) {
        this.heldToken = result.token;
        this.extendDeadline(sentAt);
        this.log.warn('lease taken: this instance is now active for the server', { token: result.token, holder: this.opts.holder });
        this.setRole('active');
        this.schedule(() => this.renew(), this.opts.ttlMs / 3);
        return;
      }
      if (result.holder !== this.lastHolderSeen) {
        this.lastHolderSeen = result.holder;
        this.log.info('standing by: another instance holds the lease', { holder: result.holder, ttlMs: result.ttlMs });
      }
    } catch (err) {
      if (!this.warnedUnavailable) {
        this.warnedUnavailable = true;
        this.log.warn('cannot reach the lease in Redis; still standing by', { error: errorText(err) });
      }
    }
    if (this.current === 'standby') this.schedule(() => this.tryAcquire(), this.pollMs);
  }

  private async renew(): Promise<void> {
    const token = this.heldToken;
    if (this.current !== 'active' || token === undefined) return;
    const sentAt = this.now();
    let renewed: boolean;
    try {
      renewed = await this.opts.leases.renew(this.opts.server, token, this.opts.ttlMs);
    } catch (err) {
      this.log.warn('lease renewal failed; retrying', { token, error: errorText(err), msLeft: Math.max(0, Math.round(this.deadline - this.now())) });
      if (this.current === 'active' && this.heldToken === token) this.schedule(() => this.renew(), this.opts.ttlMs / 6);
      return;
    }
    if (this.current !== 'active' || this.heldToken !== token) return;
    if (!renewed) {
      this.demote('the lease lapsed or another instance holds it now (renewal refused)', this.pollMs);
      return;
    }
    this.extendDeadline(sentAt);
    this.schedule(() => this.renew(), this.opts.ttlMs / 3);
  }

  private extendDeadline(sentAt: number): void {
    this.deadline = sentAt + (this.opts.ttlMs * 5) / 6;
    clearTimeout(this.deadlineTimer);
    const token = this.heldToken;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      if (this.current === 'active' && this.heldToken === token && this.now() >= this.deadline) {
        this.demote('the lease could not be renewed in time', this.pollMs);
      }
    }, Math.max(0, this.deadline - this.now()) + 1);
  }

  private demote(reason: string, retryInMs: number): void {
    this.log.error('lease lost: standing by', { reason, token: this.heldToken });
    this.clearTimers();
    this.heldToken = undefined;
    this.deadline = 0;
    this.lastHolderSeen = '';
    this.setRole('standby');
    this.schedule(() => this.tryAcquire(), retryInMs);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
