/**
 * What every store operation shares: the connection, the scripts, the audit trail, the
 * hasher and the pepper, plus the guard that turns connection trouble into StoreUnavailable
 * and the pepper check.
 */
import type { Logger } from '../log';
import * as pinHash from '../security/pin-hash';
import { DEFAULT_PIN_POLICY } from '../security/pin-policy';
import type { AuditInput, AuditTrail } from './audit';
import { mapRedisError, whenReady, type RedisClient } from './connection';
import { PepperMismatch } from './errors';
import { orgKeys } from './keys';
import { replyNumber, Scripts } from './scripts';
import type { OrgPolicy } from './types';

/** The hashing functions the store uses; injectable so tests can count evaluations. */
export interface PinHasher {
  hashPin(pin: string, pepper: string): Promise<string>;
  verifyPin(pin: string, stored: string, pepper: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  dummyVerify(pin: string, pepper: string): Promise<void>;
  matchesAnyHash(pin: string, hashes: string[], pepper: string): Promise<boolean>;
  /** A new fingerprint of the pepper (slow, salted: see pin-hash.ts). */
  pepperFingerprint(pepper: string): Promise<string>;
  checkPepperFingerprint(pepper: string, stored: string): Promise<pinHash.FingerprintVerdict>;
  randomPin(length: number, isAcceptable: (pin: string) => boolean): string;
}

export const defaultPinHasher: PinHasher = {
  hashPin: (pin, pepper) => pinHash.hashPin(pin, pepper),
  verifyPin: pinHash.verifyPin,
  dummyVerify: pinHash.dummyVerify,
  matchesAnyHash: pinHash.matchesAnyHash,
  pepperFingerprint: (pepper) => pinHash.pepperFingerprint(pepper),
  checkPepperFingerprint: pinHash.checkPepperFingerprint,
  randomPin: pinHash.randomPin,
};

/** How long a call made while (re)connecting waits for the connection before failing. */
export const READY_WAIT_MS = 500;

export const DEFAULT_ORG_POLICY: Readonly<OrgPolicy> = Object.freeze({
  ...DEFAULT_PIN_POLICY,
  refuseOutsideStarLogin: false,
  // issue #11
  locationThrottlePerHour: 30,
  untrustedLockout: 'permanent' as const,
});

/**
 * The stored policy document (JSON, written by org.ts) over the defaults: a field never set
 * keeps its default, so documents written before a field existed stay valid.
 */
export function parsePolicy(raw: string | null): OrgPolicy {
  if (!raw) return { ...DEFAULT_ORG_POLICY };
  const stored = JSON.parse(raw) as Partial<Record<keyof OrgPolicy, unknown>>;
  const policy: OrgPolicy = { ...DEFAULT_ORG_POLICY };
  for (const name of ['minLength', 'maxLength', 'historySize', 'maxFailures', 'throttlePerHour'] as const) {
    const value = stored[name];
    if (typeof value === 'number') policy[name] = value;
  }
  policy.refuseOutsideStarLogin = stored.refuseOutsideStarLogin === true;
  if (typeof stored.locationThrottlePerHour === 'number') policy.locationThrottlePerHour = stored.locationThrottlePerHour;
  if (stored.untrustedLockout === 'temporary') policy.untrustedLockout = 'temporary';
  // On unless turned off: documents written before the common-PIN list existed get it.
  policy.refuseCommonPins = stored.refuseCommonPins !== false;
  return policy;
}

export interface DefaultPinRecord {
  hash: string;
  since: number;
}

export class StoreContext {
  /** Queue a `locked` e-mail for users with an address when a mailbox locks (the application, with SMTP set). */
  mailLockNotifications = false;

  constructor(
    readonly redis: RedisClient,
    readonly scripts: Scripts,
    readonly audit: AuditTrail,
    readonly hasher: PinHasher,
    readonly pepper: string,
    readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Run a store operation: fail fast when Redis is unreachable, map connection errors. */
  async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      await whenReady(this.redis, READY_WAIT_MS);
      return await operation();
    } catch (err) {
      throw mapRedisError(err);
    }
  }

  /** The stored fingerprint last found to be this pepper's (checking one costs a PIN hash). */
  private verifiedFingerprint: string | undefined;
  /** The stored fingerprint last found NOT to be this pepper's: refused again at no cost. */
  private rejectedFingerprint: string | undefined;
  /** The check in progress, shared by the operations that arrive meanwhile. */
  private checking: { stored: string; done: Promise<void> } | undefined;

  /**
   * Before any PIN is hashed for storage or verified, and before every administrative
   * write: the fingerprint in Redis must be ours.
   * The first process to need it stores it (SET NX, so two first writers cannot both win).
   * One GET per operation, so a pepper changed under a running process is noticed at once;
   * the slow check runs only when the stored value is not the one already checked.
   * An old-format fingerprint (fast truncated HMAC) that matches is replaced with the slow
   * format (compare-and-set: another instance may be upgrading it at the same moment).
   */
  async ensurePepper(): Promise<void> {
    let stored = await this.redis.get(orgKeys.pepperFingerprint);
    if (stored !== null && stored === this.verifiedFingerprint) return;
    if (stored !== null && stored === this.rejectedFingerprint) throw this.mismatch();
    if (stored === null) {
      await this.redis.set(orgKeys.pepperFingerprint, await this.hasher.pepperFingerprint(this.pepper), 'NX');
      stored = await this.redis.get(orgKeys.pepperFingerprint);
      if (stored === null) throw new PepperMismatch('the PIN pepper fingerprint disappeared from Redis while being set: refusing to write or verify');
    }
    if (this.checking?.stored !== stored) {
      const value = stored;
      const done = this.checkFingerprint(value).finally(() => {
        if (this.checking?.done === done) this.checking = undefined;
      });
      this.checking = { stored: value, done };
    }
    await this.checking.done;
  }

  private mismatch(): PepperMismatch {
    return new PepperMismatch('PIN_PEPPER differs from the one this Redis was set up with (fingerprint mismatch): refusing to write or verify');
  }

  private async checkFingerprint(stored: string): Promise<void> {
    const verdict = await this.hasher.checkPepperFingerprint(this.pepper, stored);
    if (verdict === 'mismatch') {
      this.rejectedFingerprint = stored;
      throw this.mismatch();
    }
    if (verdict === 'match') {
      this.verifiedFingerprint = stored;
      return;
    }
    const upgraded = await this.hasher.pepperFingerprint(this.pepper);
    if (replyNumber(await this.scripts.run('compare_and_set', [orgKeys.pepperFingerprint], [stored, upgraded])) === 1) {
      this.logger.info('PIN pepper fingerprint upgraded to the slow format');
      this.verifiedFingerprint = upgraded;
      return;
    }
    // Someone else replaced it meanwhile (most likely the same upgrade): check what is there now.
    const now = await this.redis.get(orgKeys.pepperFingerprint);
    if (now === null || (await this.hasher.checkPepperFingerprint(this.pepper, now)) !== 'match') {
      throw new PepperMismatch('the PIN pepper fingerprint changed while being upgraded: refusing to write or verify');
    }
    this.verifiedFingerprint = now;
  }

  async policy(): Promise<OrgPolicy> {
    return parsePolicy(await this.redis.get(orgKeys.policy));
  }

  async defaultPin(): Promise<DefaultPinRecord | null> {
    const [hash, since] = await this.redis.hmget(orgKeys.defaultPin, 'hash', 'since');
    return hash ? { hash, since: Number(since ?? 0) } : null;
  }

  record(event: AuditInput): Promise<void> {
    return this.audit.record(event);
  }

  /**
   * This instance's clock (ms), for timestamps written in records. Windows and lock times
   * never use it: they run on Redis's clock (TIME in the scripts, redisNow here).
   */
  now(): number {
    return this.clock();
  }

  /** Redis's own clock, ms: the one every instance shares. */
  async redisNow(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
