/**
 * What every store operation shares: the connection, the scripts, the audit trail, the
 * hasher and the pepper, plus the guard that turns connection trouble into StoreUnavailable
 * and the pepper check.
 */
import type Redis from 'ioredis';
import type { Logger } from '../log';
import * as pinHash from '../security/pin-hash';
import { DEFAULT_PIN_POLICY } from '../security/pin-policy';
import type { AuditInput, AuditTrail } from './audit';
import { mapRedisError, whenReady } from './connection';
import { PepperMismatch } from './errors';
import { orgKeys } from './keys';
import { Scripts } from './scripts';
import type { OrgPolicy } from './types';

/** The hashing functions the store uses; injectable so tests can count evaluations. */
export interface PinHasher {
  hashPin(pin: string, pepper: string): Promise<string>;
  verifyPin(pin: string, stored: string, pepper: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  dummyVerify(pin: string, pepper: string): Promise<void>;
  matchesAnyHash(pin: string, hashes: string[], pepper: string): Promise<boolean>;
  pepperFingerprint(pepper: string): string;
  randomPin(length: number, isAcceptable: (pin: string) => boolean): string;
}

export const defaultPinHasher: PinHasher = {
  hashPin: (pin, pepper) => pinHash.hashPin(pin, pepper),
  verifyPin: pinHash.verifyPin,
  dummyVerify: pinHash.dummyVerify,
  matchesAnyHash: pinHash.matchesAnyHash,
  pepperFingerprint: pinHash.pepperFingerprint,
  randomPin: pinHash.randomPin,
};

/** How long a call made while (re)connecting waits for the connection before failing. */
export const READY_WAIT_MS = 500;

export const DEFAULT_ORG_POLICY: Readonly<OrgPolicy> = Object.freeze({ ...DEFAULT_PIN_POLICY, refuseOutsideStarLogin: false });

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
    readonly redis: Redis,
    readonly scripts: Scripts,
    readonly audit: AuditTrail,
    readonly hasher: PinHasher,
    readonly pepper: string,
    readonly logger: Logger,
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

  /**
   * Before any PIN is hashed for storage or verified, and before every administrative
   * write: the fingerprint in Redis must be ours.
   * The first process to need it stores it (SET NX, so two first writers cannot both win).
   * One GET per operation, so a pepper changed under a running process is noticed at once.
   */
  async ensurePepper(): Promise<void> {
    const mine = this.hasher.pepperFingerprint(this.pepper);
    let stored = await this.redis.get(orgKeys.pepperFingerprint);
    if (stored === null) {
      await this.redis.set(orgKeys.pepperFingerprint, mine, 'NX');
      stored = await this.redis.get(orgKeys.pepperFingerprint);
    }
    if (stored !== mine) {
      throw new PepperMismatch(
        'PIN_PEPPER differs from the one this Redis was set up with (fingerprint mismatch): refusing to write or verify',
      );
    }
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

  now(): number {
    return Date.now();
  }
}
