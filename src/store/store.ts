/**
 * The Store: the only way the portal flows and the CLI reach Redis. Operations speak the
 * vocabulary of the administrator guide (docs/admin-guide.md: reset, unlock, default PIN...);
 * every one fails fast with StoreUnavailable while Redis is down.
 */
import type { RedisConfig } from '../config';
import type { Logger } from '../log';
import type { PinPolicy } from '../security/pin-policy';
import { AuditTrail, FOLLOW_BLOCK_MS, followAuditStream, LockoutWebhook, type FollowOptions } from './audit';
import { COMMAND_TIMEOUT_MS, connect, dedicatedConnection, mapRedisError, whenReady, type RedisClient } from './connection';
import { defaultPinHasher, StoreContext, type PinHasher } from './context';
import * as directory from './directory';
import * as mail from './mail-queue';
import * as importer from './import';
import * as org from './org';
import * as pins from './pins';
import { DEFAULT_WAIT_TIMEOUT_MS } from './replication';
import * as tokens from './tokens';
import { userKey as userKeyOf } from './keys';
import { Scripts } from './scripts';
import type {
  Actor,
  ClaimedMailJob,
  AdminVerifyResult,
  ApiToken,
  AuditEvent,
  AuditFilter,
  AuditQuery,
  CloseOptions,
  CloseResult,
  DefaultPinInfo,
  Location,
  LocationChanges,
  NewLocation,
  NewUser,
  OrgPolicy,
  PolicyChanges,
  ThrottleBucket,
  TokenScope,
  User,
  UserChanges,
  VerifyResult,
} from './types';
import * as verify from './verify';
import type { KnownOwner, LoginOrigin } from './verify';

export interface StoreOptions {
  redis: RedisConfig;
  /** PIN_PEPPER: mixed into every hash; its fingerprint must match the one in Redis. */
  pepper: string;
  logger: Logger;
  /** LOCKOUT_WEBHOOK_URL: POSTed (JSON) on every lock, unlock and reset (see close()'s drain). */
  webhookUrl?: string;
  /** LOCKOUT_WEBHOOK_TOKEN: sent as `Authorization: Bearer <token>` with each delivery. */
  webhookToken?: string;
  /** Name shown by CLIENT LIST (e.g. `voice-portal`, `voice-portal-cli`). */
  connectionName?: string;
  /**
   * Replace the hashing functions: tests (cheaper parameters, counting evaluations) and the
   * application's metrics (the default hasher, timed).
   */
  hasher?: PinHasher;
  /**
   * Tests only: this instance's clock (default Date.now). Throttle windows and lock times run
   * on Redis's clock whatever it says (issue #11: a skewed instance cannot reset a window).
   */
  clock?: () => number;
  /** Tests only: webhook retry delays (ms). */
  webhookRetryDelaysMs?: number[];
  /**
   * Queue a lock e-mail to the user (if they have an address) whenever a mailbox locks
   * (issue #16). Only the application sets it, when it has SMTP settings and a mail worker.
   */
  mailLockNotifications?: boolean;
}

/** How long a follower's dedicated connection may take to become ready. */
const FOLLOW_CONNECT_MS = 2000;

export class Store {
  private readonly ctx: StoreContext;
  private readonly webhook: LockoutWebhook | undefined;
  /** Aborted by close(): ends every followAudit still running. */
  private readonly closing = new AbortController();

  constructor(
    private readonly redis: RedisClient,
    options: StoreOptions,
  ) {
    this.webhook = options.webhookUrl
      ? new LockoutWebhook(options.webhookUrl, options.logger, options.webhookRetryDelaysMs, undefined, options.webhookToken)
      : undefined;
    const audit = new AuditTrail(redis, options.logger, this.webhook);
    const replication = { replicas: options.redis.waitReplicas ?? 0, timeoutMs: options.redis.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS };
    this.ctx = new StoreContext(redis, new Scripts(redis, replication), audit, options.hasher ?? defaultPinHasher, options.pepper, options.logger, options.clock);
    this.ctx.mailLockNotifications = options.mailLockNotifications ?? false;
  }

  // ---- login ------------------------------------------------------------------------------

  /**
   * A PIN typed for a mailbox (extension or number, as typed or from the caller ID). See
   * verify.ts for the reserve-then-evaluate order. `callerNumber`: the caller ID, for the
   * spray throttle and the audit ('' or undefined = anonymous). `origin`: whether the
   * dialplan marked the call as from the organisation's own phones (issue #11; default
   * trusted, for administrative and test callers: the portal always says). `known`: the
   * mailbox's owner as the call already read it (findUserByMailbox), so its lookup is not
   * made twice in one call.
   */
  verifyUserPin(
    mailbox: string,
    pin: string,
    callerNumber: string | undefined,
    portalLocationId?: string,
    origin?: LoginOrigin,
    known?: KnownOwner,
  ): Promise<VerifyResult> {
    return this.ctx.guard(() => verify.verifyUserPin(this.ctx, mailbox, pin, callerNumber, portalLocationId, origin, known));
  }

  /** `origin` as for verifyUserPin (issue #11). */
  verifyAdminPasscode(locationId: string, passcode: string, callerNumber: string | undefined, origin?: LoginOrigin): Promise<AdminVerifyResult> {
    return this.ctx.guard(() => verify.verifyAdminPasscode(this.ctx, locationId, passcode, callerNumber, origin));
  }

  // ---- PIN state (docs/admin-guide.md, "What each operation leaves behind") ----------------

  /** The logged-in user chooses a new PIN (policy, history, not the default); clears must-change. Throws PinRejected. */
  changePin(userId: string, pin: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => pins.changePin(this.ctx, userId, pin, actor));
  }

  /** Unlock; PIN = default PIN with forced change (or none without a default); name again. */
  adminResetPin(userId: string, actor: Actor): Promise<{ pin: 'default' | 'none' }> {
    return this.ctx.guard(() => pins.adminResetPin(this.ctx, userId, actor));
  }

  /** A random one-time PIN, returned ONCE (print it, never log it); must change; name again; unlocked. */
  issueRandomPin(userId: string, actor: Actor): Promise<string> {
    return this.ctx.guard(() => pins.issueRandomPin(this.ctx, userId, actor));
  }

  /** Self-service: policy and history apply; unlocks; no forced change; name unchanged. Throws PinRejected. */
  selfServiceSetPin(userId: string, pin: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => pins.selfServiceSetPin(this.ctx, userId, pin, actor));
  }

  unlockUser(userId: string, actor: Actor): Promise<{ wasLocked: boolean }> {
    return this.ctx.guard(() => pins.unlockUser(this.ctx, userId, actor));
  }

  unlockLocationAdmin(locationId: string, actor: Actor): Promise<{ wasLocked: boolean }> {
    return this.ctx.guard(() => pins.unlockLocationAdmin(this.ctx, locationId, actor));
  }

  /** New admin passcode (length and triviality rules); unlocks admin access. Throws PinRejected. */
  setAdminPasscode(locationId: string, passcode: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => pins.setAdminPasscode(this.ctx, locationId, passcode, actor));
  }

  markNameRecorded(userId: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => pins.markNameRecorded(this.ctx, userId, actor));
  }

  /** Applies to users created from now on; existing users keep their PINs. Throws PinRejected. */
  setDefaultPin(pin: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => pins.setDefaultPin(this.ctx, pin, actor));
  }

  clearDefaultPin(actor: Actor): Promise<void> {
    return this.ctx.guard(() => pins.clearDefaultPin(this.ctx, actor));
  }

  getDefaultPinInfo(): Promise<DefaultPinInfo> {
    return this.ctx.guard(() => org.getDefaultPinInfo(this.ctx));
  }

  // ---- users and locations -----------------------------------------------------------------

  createUser(input: NewUser, actor: Actor): Promise<User> {
    return this.ctx.guard(() => directory.createUser(this.ctx, input, actor));
  }

  getUser(userId: string): Promise<User | null> {
    return this.ctx.guard(() => directory.getUser(this.ctx, userId));
  }

  /** By extension or phone number (a leading + ignored). */
  findUserByMailbox(mailbox: string): Promise<User | null> {
    return this.ctx.guard(() => directory.findUserByMailbox(this.ctx, mailbox));
  }

  /** By e-mail address (lower-cased); null unless exactly one user has it. */
  findUserByEmail(email: string): Promise<User | null> {
    return this.ctx.guard(() => directory.findUserByEmail(this.ctx, email));
  }

  listUsers(filter: { locationId?: string; lockedOnly?: boolean } = {}): Promise<User[]> {
    return this.ctx.guard(() => directory.listUsers(this.ctx, filter));
  }

  /**
   * Change a user's extension, number, language, name or location (only the fields given;
   * `null` removes number, language or name). Identifiers stay unique across users and
   * portals (Conflict); a missing user or target location is NotFound; bad values InvalidInput.
   * Audited as `user-updated`. PIN state is untouched.
   */
  updateUser(userId: string, changes: UserChanges, actor: Actor): Promise<User> {
    return this.ctx.guard(() => directory.updateUser(this.ctx, userId, changes, actor));
  }

  /**
   * The app_voicemail import: create the user with the PIN they had (hashed here; a PIN
   * failing the policy or equal to the extension must be changed at the first call; not
   * digits: no PIN). A user already there is left as it is (`created: false`).
   */
  importUser(input: NewUser & { id: string }, pin: string, opts: { hasName: boolean }, actor: Actor): Promise<importer.ImportUserResult> {
    return this.ctx.guard(() => importer.importUser(this.ctx, input, pin, opts, actor));
  }

  /** One audit entry summing up an import run (`users-imported`). */
  recordImport(locationId: string, detail: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => this.ctx.record({ type: 'users-imported', actor, locationId, outcome: 'ok', detail: detail.slice(0, 500) }));
  }

  removeUser(userId: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => directory.removeUser(this.ctx, userId, actor));
  }

  addLocation(input: NewLocation, actor: Actor): Promise<Location> {
    return this.ctx.guard(() => directory.addLocation(this.ctx, input, actor));
  }

  getLocation(locationId: string): Promise<Location | null> {
    return this.ctx.guard(() => directory.getLocation(this.ctx, locationId));
  }

  /** By portal number or extension (a leading + ignored). */
  findLocationByPortal(dialled: string): Promise<Location | null> {
    return this.ctx.guard(() => directory.findLocationByPortal(this.ctx, dialled));
  }

  listLocations(): Promise<Location[]> {
    return this.ctx.guard(() => directory.listLocations(this.ctx));
  }

  /**
   * Change a location's name, language, time zone, portal number or extension (only the
   * fields given; `null` removes the portal number or extension, one must remain). Audited
   * as `location-updated`. Same errors as updateUser.
   */
  updateLocation(locationId: string, changes: LocationChanges, actor: Actor): Promise<Location> {
    return this.ctx.guard(() => directory.updateLocation(this.ctx, locationId, changes, actor));
  }

  /**
   * True when the calling number is a user's extension or number, or a location's
   * portal number. With `getPolicy().refuseOutsideStarLogin`, the portal refuses `*` logins
   * from callers for whom this is false. Never throws for odd input (false).
   */
  isOrganisationCaller(callerNumber: string | undefined): Promise<boolean> {
    return this.ctx.guard(() => directory.isOrganisationCaller(this.ctx, callerNumber));
  }

  /** Refused with Conflict while the location has users. */
  removeLocation(locationId: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => directory.removeLocation(this.ctx, locationId, actor));
  }

  // ---- organisation ------------------------------------------------------------------------

  /** The PIN policy in force, plus the organisation settings (refuseOutsideStarLogin). */
  getPolicy(): Promise<OrgPolicy> {
    return this.ctx.guard(() => this.ctx.policy());
  }

  /**
   * Replace every PIN-policy field; organisation settings keep their value unless given.
   * Throws InvalidInput with validatePolicy's sentences.
   */
  setPolicy(policy: PinPolicy & Partial<OrgPolicy>, actor: Actor): Promise<void> {
    return this.ctx.guard(() => org.setPolicy(this.ctx, policy, actor));
  }

  /**
   * Change only the given policy fields, atomically against concurrent changes of other
   * fields (compare-and-set); the merged policy is validated. Returns the policy saved.
   * Throws InvalidInput (invalid merged policy, nothing to change) or Conflict.
   */
  updatePolicy(changes: PolicyChanges, actor: Actor): Promise<OrgPolicy> {
    return this.ctx.guard(() => org.updatePolicy(this.ctx, changes, actor));
  }

  /**
   * Throws PepperMismatch unless this store's pepper is the one Redis was set up with
   * (storing its fingerprint first if Redis has none). Every write checks it by itself; a
   * caller about to ask an operator for a PIN calls this first so nobody types a PIN for
   * nothing.
   */
  checkPepper(): Promise<void> {
    return this.ctx.guard(() => this.ctx.ensurePepper());
  }

  listThrottled(): Promise<ThrottleBucket[]> {
    return this.ctx.guard(() => org.listThrottled(this.ctx));
  }

  clearThrottle(caller: string, actor: Actor): Promise<boolean> {
    return this.ctx.guard(() => org.clearThrottle(this.ctx, caller, actor));
  }

  readAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    return this.ctx.guard(() => this.ctx.audit.read(query));
  }

  /** Id of the newest audit entry (`0-0` when there is none): a starting point for followAudit. */
  latestAuditId(): Promise<string> {
    return this.ctx.guard(() => this.ctx.audit.latestId());
  }

  /**
   * Call `onEvent` for every audit entry appended after `fromId` (an entry id, or `$` for
   * "from now") that matches `filter`, in order, as it is appended (blocking XREAD on a
   * dedicated connection, no polling). Resolves when `signal` aborts or the store closes;
   * rejects with StoreUnavailable if Redis cannot be reached or the connection drops (the
   * caller may follow again from the last id seen).
   *
   * To show history then follow without a gap or a repeat: take `latestAuditId()`, then
   * `readAudit(…)`, then follow from the later of that id and the last event shown.
   * `opts.batchMs`: a follower that may be that late reads in batches (FollowOptions).
   */
  async followAudit(
    fromId: string,
    onEvent: (event: AuditEvent) => void | Promise<void>,
    signal: AbortSignal,
    filter: AuditFilter = {},
    opts: FollowOptions = {},
  ): Promise<void> {
    const stop = AbortSignal.any([signal, this.closing.signal]);
    if (stop.aborted) return;
    // A blocked XREAD answers after at most FOLLOW_BLOCK_MS; anything longer is a dead link.
    // A follower that loses its connection ends (StoreUnavailable) rather than reconnect.
    const connection = dedicatedConnection(this.redis, '-audit-follow', FOLLOW_BLOCK_MS + COMMAND_TIMEOUT_MS);
    // Once, and not after the connection ended: ioredis' disconnect() of a socket that is
    // already closed arms a 2 s timer that nothing clears (it would hold the process).
    let disconnected = false;
    const disconnect = (): void => {
      if (disconnected || connection.status === 'end') return;
      disconnected = true;
      connection.disconnect();
    };
    stop.addEventListener('abort', disconnect, { once: true });
    try {
      await whenReady(connection, FOLLOW_CONNECT_MS);
      await followAuditStream(connection, fromId, onEvent, stop, filter, opts);
    } catch (err) {
      if (stop.aborted) return;
      throw mapRedisError(err);
    } finally {
      stop.removeEventListener('abort', disconnect);
      disconnect();
    }
  }

  // ---- integration tokens of the HTTP API (issue #15) -------------------------------------

  /** A new token (its name unique, Conflict otherwise); `token` is returned once, only its hash is kept. */
  createApiToken(name: string, scope: TokenScope, actor: Actor): Promise<ApiToken & { token: string }> {
    return this.ctx.guard(() => tokens.createApiToken(this.ctx, name, scope, actor));
  }

  listApiTokens(): Promise<ApiToken[]> {
    return this.ctx.guard(() => tokens.listApiTokens(this.ctx));
  }

  /** NotFound when there is no token of that name. */
  revokeApiToken(name: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => tokens.revokeApiToken(this.ctx, name, actor));
  }

  /** The token a request presents, or null when it is unknown or revoked. */
  findApiToken(token: string): Promise<ApiToken | null> {
    return this.ctx.guard(() => tokens.findApiToken(this.ctx, token));
  }

  /**
   * Audit one HTTP API request (issue #15: every call, whoever's token, even refused ones).
   * `detail` is the operation and its status, never a body (a body may hold a PIN).
   */
  recordApiRequest(event: { actor: Actor; userId?: string; outcome: string; detail: string }): Promise<void> {
    return this.ctx.guard(() => this.ctx.record({ type: 'api-request', ...event }));
  }

  // ---- outgoing e-mail (issue #16; the sending is src/mail/'s) ------------------------------

  /** Queue the new-message e-mail of a message (once per message, however often asked). */
  enqueueMessageMail(userId: string, messageId: string): Promise<boolean> {
    return this.ctx.guard(() => mail.enqueueMail(this.ctx, 'new-message', userId, messageId));
  }

  /** Queue a "your mailbox is locked" e-mail. */
  enqueueLockMail(userId: string): Promise<boolean> {
    return this.ctx.guard(() => mail.enqueueMail(this.ctx, 'locked', userId));
  }

  /** The next job due at `now`, leased for `leaseMs`; null when none is due. */
  claimMail(now: number, leaseMs: number): Promise<ClaimedMailJob | null> {
    return this.ctx.guard(() => mail.claimMail(this.ctx, now, leaseMs));
  }

  /** Sent, or nothing to send: the job is removed. False when the lease was lost meanwhile. */
  completeMail(job: ClaimedMailJob): Promise<boolean> {
    return this.ctx.guard(() => mail.settleMail(this.ctx, job.id, job.token, { outcome: 'done' }));
  }

  /** Try again at `dueAt`. */
  retryMail(job: ClaimedMailJob, dueAt: number, error: string): Promise<boolean> {
    return this.ctx.guard(() => mail.settleMail(this.ctx, job.id, job.token, { outcome: 'retry', dueAt, error }));
  }

  /** Give up: the job is removed and the audit trail says which e-mail was lost and why. */
  abandonMail(job: ClaimedMailJob, reason: string): Promise<boolean> {
    return this.ctx.guard(async () => {
      const settled = await mail.settleMail(this.ctx, job.id, job.token, { outcome: 'done' });
      if (settled) {
        const locationId = (await this.redis.hget(userKeyOf(job.userId), 'locationId')) ?? undefined;
        await this.ctx.record({
          type: 'mail-failed',
          actor: 'system:mail',
          userId: job.userId,
          ...(locationId ? { locationId } : {}),
          outcome: job.kind,
          detail: `${job.attempts} attempt(s): ${reason}`.slice(0, 300),
        });
      }
      return settled;
    });
  }

  /** When the earliest queued e-mail is due (ms), null when none is queued. */
  nextMailDue(): Promise<number | null> {
    return this.ctx.guard(() => mail.nextMailDue(this.ctx));
  }

  mailQueueLength(): Promise<number> {
    return this.ctx.guard(() => mail.mailQueueLength(this.ctx));
  }

  // ---- life cycle --------------------------------------------------------------------------

  /** True when Redis answers PING now (for /readyz). Never throws. */
  async ping(): Promise<boolean> {
    try {
      await this.ctx.guard(() => this.redis.ping());
      return true;
    } catch {
      return false;
    }
  }

  /**
   * End followers, wait up to `drainWebhookMs` for lockout-webhook deliveries in progress
   * (default 0: drop them), then close the connection. Never throws.
   */
  async close(options: CloseOptions = {}): Promise<CloseResult> {
    this.closing.abort();
    const webhooksUndelivered = (await this.webhook?.close(options.drainWebhookMs ?? 0)) ?? 0;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
    return { webhooksUndelivered };
  }
}

/** The single entry point: connects (and keeps reconnecting by itself) and returns the Store. */
export function openStore(options: StoreOptions): Store {
  return new Store(connect(options.redis, options.connectionName), options);
}
