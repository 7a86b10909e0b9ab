/**
 * The Store: the only way the portal flows and the CLI reach Redis. Operations speak the
 * vocabulary of SPEC §8; every one fails fast with StoreUnavailable while Redis is down.
 */
import type Redis from 'ioredis';
import type { RedisConfig } from '../config';
import type { Logger } from '../log';
import type { PinPolicy } from '../security/pin-policy';
import { AuditTrail, LockoutWebhook } from './audit';
import { connect } from './connection';
import { defaultPinHasher, StoreContext, type PinHasher } from './context';
import * as directory from './directory';
import * as org from './org';
import * as pins from './pins';
import { Scripts } from './scripts';
import type {
  Actor,
  AdminVerifyResult,
  AuditEvent,
  AuditQuery,
  DefaultPinInfo,
  Location,
  NewLocation,
  NewUser,
  ThrottleBucket,
  User,
  VerifyResult,
} from './types';
import * as verify from './verify';

export interface StoreOptions {
  redis: RedisConfig;
  /** PIN_PEPPER: mixed into every hash; its fingerprint must match the one in Redis. */
  pepper: string;
  logger: Logger;
  /** LOCKOUT_WEBHOOK_URL: POSTed (JSON) on every lock, unlock and reset. */
  webhookUrl?: string;
  /** Name shown by CLIENT LIST (e.g. `voice-portal`, `voice-portal-cli`). */
  connectionName?: string;
  /** Tests only: replace the hashing functions (cheaper parameters, counting evaluations). */
  hasher?: PinHasher;
  /** Tests only: webhook retry delays (ms). */
  webhookRetryDelaysMs?: number[];
}

export class Store {
  private readonly ctx: StoreContext;
  private readonly webhook: LockoutWebhook | undefined;

  constructor(
    private readonly redis: Redis,
    options: StoreOptions,
  ) {
    this.webhook = options.webhookUrl ? new LockoutWebhook(options.webhookUrl, options.logger, options.webhookRetryDelaysMs) : undefined;
    const audit = new AuditTrail(redis, options.logger, this.webhook);
    this.ctx = new StoreContext(redis, new Scripts(redis), audit, options.hasher ?? defaultPinHasher, options.pepper, options.logger);
  }

  // ---- login ------------------------------------------------------------------------------

  /**
   * A PIN typed for a mailbox (extension or number, as typed or from the caller ID). See
   * verify.ts for the reserve-then-evaluate order. `callerNumber`: the caller ID, for the
   * spray throttle and the audit ('' or undefined = anonymous).
   */
  verifyUserPin(mailbox: string, pin: string, callerNumber: string | undefined): Promise<VerifyResult> {
    return this.ctx.guard(() => verify.verifyUserPin(this.ctx, mailbox, pin, callerNumber));
  }

  verifyAdminPasscode(locationId: string, passcode: string, callerNumber: string | undefined): Promise<AdminVerifyResult> {
    return this.ctx.guard(() => verify.verifyAdminPasscode(this.ctx, locationId, passcode, callerNumber));
  }

  // ---- PIN state (SPEC §8 table) -----------------------------------------------------------

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

  listUsers(filter: { locationId?: string; lockedOnly?: boolean } = {}): Promise<User[]> {
    return this.ctx.guard(() => directory.listUsers(this.ctx, filter));
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

  /** Refused with Conflict while the location has users. */
  removeLocation(locationId: string, actor: Actor): Promise<void> {
    return this.ctx.guard(() => directory.removeLocation(this.ctx, locationId, actor));
  }

  // ---- organisation ------------------------------------------------------------------------

  getPolicy(): Promise<PinPolicy> {
    return this.ctx.guard(() => this.ctx.policy());
  }

  /** Throws InvalidInput with validatePolicy's sentences. */
  setPolicy(policy: PinPolicy, actor: Actor): Promise<void> {
    return this.ctx.guard(() => org.setPolicy(this.ctx, policy, actor));
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

  /** Close the connection and drop pending webhook retries. */
  async close(): Promise<void> {
    this.webhook?.close();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

/** The single entry point: connects (and keeps reconnecting by itself) and returns the Store. */
export function openStore(options: StoreOptions): Store {
  return new Store(connect(options.redis, options.connectionName), options);
}
