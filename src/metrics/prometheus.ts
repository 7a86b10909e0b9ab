/**
 * The Prometheus side of the metrics (prom-client): one registry per application, served as
 * `/metrics` by the health server. Names and labels (every label value is one of a fixed set
 * of words, or a configured Asterisk server name: never a PIN, a caller ID or a user id):
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `voice_portal_calls_in_progress` | gauge | |
 * | `voice_portal_calls_total` | counter | `outcome`: completed, caller-hangup, gave-up, unavailable, error |
 * | `voice_portal_logins_total` | counter | `result`: ok, invalid, locked, throttled, refused |
 * | `voice_portal_locks_total` | counter | `subject`: mailbox, admin (from the audit trail: every process, the CLI included) |
 * | `voice_portal_unlocks_total` | counter | `subject`: mailbox, admin (same) |
 * | `voice_portal_pin_hash_duration_seconds` | histogram | `operation`: hash, verify, dummy, history |
 * | `voice_portal_key_to_request_seconds` | histogram | | from a DTMF key to the next ARI request for that call |
 * | `voice_portal_redis_command_duration_seconds` | histogram | `command` (Redis command name; scripts are `eval`) |
 * | `voice_portal_redis_command_errors_total` | counter | `command` |
 * | `voice_portal_ari_connection_state` | gauge | `server`, `state`: 1 for the current state, 0 for the others |
 * | `voice_portal_ari_lease_held` | gauge | `server`: 1 while this instance holds the Stasis application for that server |
 *
 * plus prom-client's default process metrics under `voice_portal_` (CPU, memory, event loop).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CALL_OUTCOMES, LOGIN_RESULTS, type CallOutcome, type LoginResult, type PortalMetrics } from './portal-metrics';

export type PinHashOperation = 'hash' | 'verify' | 'dummy' | 'history';
export type LockSubject = 'mailbox' | 'admin';
/** The ARI engine's states (src/ari EngineState), repeated so this module needs no ARI import. */
export const ARI_STATES = ['connecting', 'connected', 'reconnecting', 'standby', 'stopped'] as const;
export type AriStateName = (typeof ARI_STATES)[number];

export class PrometheusMetrics implements PortalMetrics {
  readonly registry = new Registry();
  private readonly callsInProgress: Gauge;
  private readonly calls: Counter<'outcome'>;
  private readonly logins: Counter<'result'>;
  private readonly locks: Counter<'subject'>;
  private readonly unlocks: Counter<'subject'>;
  private readonly pinHash: Histogram<'operation'>;
  private readonly keyToRequest: Histogram;
  private readonly redisCommands: Histogram<'command'>;
  private readonly redisErrors: Counter<'command'>;
  private readonly ariState: Gauge<'server' | 'state'>;
  private readonly leaseHeld: Gauge<'server'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.callsInProgress = new Gauge({ name: 'voice_portal_calls_in_progress', help: 'Calls in the portal flows now', registers });
    this.calls = new Counter({ name: 'voice_portal_calls_total', help: 'Calls served, by how they ended', labelNames: ['outcome'], registers });
    this.logins = new Counter({ name: 'voice_portal_logins_total', help: 'PIN and admin-passcode login attempts, by answer', labelNames: ['result'], registers });
    this.locks = new Counter({ name: 'voice_portal_locks_total', help: 'Mailboxes (or admin access) locked, seen in the audit trail', labelNames: ['subject'], registers });
    this.unlocks = new Counter({ name: 'voice_portal_unlocks_total', help: 'Locks lifted by an unlock or a PIN set, seen in the audit trail', labelNames: ['subject'], registers });
    this.pinHash = new Histogram({
      name: 'voice_portal_pin_hash_duration_seconds',
      help: 'Time spent hashing or verifying one PIN (scrypt, off the event loop)',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6],
      registers,
    });
    this.keyToRequest = new Histogram({
      name: 'voice_portal_key_to_request_seconds',
      help: 'From a DTMF key to the next ARI request for that call (how long the caller waits for a reaction)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.redisCommands = new Histogram({
      name: 'voice_portal_redis_command_duration_seconds',
      help: 'Redis command round trips, by command (scripts are eval)',
      labelNames: ['command'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.redisErrors = new Counter({ name: 'voice_portal_redis_command_errors_total', help: 'Redis commands that failed (error reply, timeout, connection)', labelNames: ['command'], registers });
    this.ariState = new Gauge({ name: 'voice_portal_ari_connection_state', help: 'ARI connection state per Asterisk server (1 = current)', labelNames: ['server', 'state'], registers });
    this.leaseHeld = new Gauge({ name: 'voice_portal_ari_lease_held', help: 'Whether this instance holds the Stasis application of the Asterisk server', labelNames: ['server'], registers });
    // Every series exists from the start (a counter that never moved still reads 0).
    for (const outcome of CALL_OUTCOMES) this.calls.inc({ outcome }, 0);
    for (const result of LOGIN_RESULTS) this.logins.inc({ result }, 0);
    for (const subject of ['mailbox', 'admin'] as const) {
      this.locks.inc({ subject }, 0);
      this.unlocks.inc({ subject }, 0);
    }
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'voice_portal_' });
  }

  // ---- PortalMetrics (the call flows) ------------------------------------------------------

  callStarted(): void {
    this.callsInProgress.inc();
  }

  callEnded(outcome: CallOutcome): void {
    this.callsInProgress.dec();
    this.calls.inc({ outcome });
  }

  login(result: LoginResult): void {
    this.logins.inc({ result });
  }

  // ---- the rest of the application -----------------------------------------------------------

  locked(subject: LockSubject): void {
    this.locks.inc({ subject });
  }

  unlocked(subject: LockSubject): void {
    this.unlocks.inc({ subject });
  }

  pinHashed(operation: PinHashOperation, seconds: number): void {
    this.pinHash.observe({ operation }, seconds);
  }

  keyAnswered(seconds: number): void {
    this.keyToRequest.observe(seconds);
  }

  redisCommand(command: string, seconds: number, ok: boolean): void {
    this.redisCommands.observe({ command }, seconds);
    if (!ok) this.redisErrors.inc({ command });
  }

  /** The ARI engine of `server` is now in `state`. */
  setAriState(server: string, state: AriStateName): void {
    for (const name of ARI_STATES) this.ariState.set({ server, state: name }, name === state ? 1 : 0);
  }

  /**
   * Whether this instance holds `server`'s Stasis application. Today: while its engine is
   * connected (not standby). The lease of issue #14 item 1 sets it from the lease instead.
   */
  setLeaseHolder(server: string, held: boolean): void {
    this.leaseHeld.set({ server }, held ? 1 : 0);
  }

  /** The text exposition, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
