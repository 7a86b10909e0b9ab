/** What the store hands out. No type here carries a PIN or a hash. */
import type { PinPolicy } from '../security/pin-policy';

export type { PinPolicy };

export interface User {
  id: string;
  locationId: string;
  /** Unique across the organisation (one dialplan). Digits. */
  extension: string;
  /** E.164, e.g. +33123456789. */
  number?: string;
  language?: string;
  displayName?: string;
  createdAt: number;
  hasPin: boolean;
  /** On the default PIN or a one-time PIN: must choose a new PIN after login. */
  mustChange: boolean;
  /** Must record the personalised name after login. */
  mustRecordName: boolean;
  pinChangedAt?: number;
  /** Consecutive failed (or still pending) attempts since the last success/reset. */
  failures: number;
  /** Set while the mailbox is locked (ms since epoch). Never expires. */
  lockedSince?: number;
}

export interface NewUser {
  /** Generated when absent. Letters, digits, `_ . -`, at most 64. */
  id?: string;
  locationId: string;
  extension: string;
  number?: string;
  language?: string;
  displayName?: string;
}

export interface Location {
  id: string;
  name: string;
  /** E.164 portal number. */
  portalNumber?: string;
  /** Portal extension (digits). */
  portalExtension?: string;
  language: string;
  timeZone: string;
  createdAt: number;
  hasAdminPasscode: boolean;
  adminFailures: number;
  adminLockedSince?: number;
  adminChangedAt?: number;
}

export interface NewLocation {
  id?: string;
  name: string;
  portalNumber?: string;
  portalExtension?: string;
  language: string;
  timeZone: string;
  /** Optional at creation; without one the admin menu cannot be opened until set. */
  adminPasscode?: string;
}

/** Answer of verifyUserPin / verifyAdminPasscode. */
export type VerifyResult =
  | { result: 'ok'; mustChange: boolean; mustRecordName: boolean; userId: string }
  | { result: 'invalid'; attemptsLeft: number }
  /** Locked, including when THIS attempt caused the lock: play the locked message now. */
  | { result: 'locked' }
  | { result: 'no-pin' }
  | { result: 'throttled' };

/** verifyAdminPasscode answers the same shapes; on success `userId` is absent. */
export type AdminVerifyResult =
  | { result: 'ok'; locationId: string }
  | { result: 'invalid'; attemptsLeft: number }
  | { result: 'locked' }
  | { result: 'no-pin' }
  | { result: 'throttled' };

export interface DefaultPinInfo {
  set: boolean;
  /** When the current default PIN was set (ms); users created since then start with it. */
  since?: number;
}

export interface ThrottleBucket {
  /** Calling number (digits) or `anonymous`. */
  caller: string;
  /** Failures inside the current window. */
  failures: number;
  throttled: boolean;
}

/** Who did it: a calling number (phone), an operator name (CLI), or the system. */
export type Actor = string;

export type AuditEventType =
  | 'login-ok'
  | 'login-failed'
  | 'login-refused-locked'
  | 'login-no-pin'
  | 'locked'
  | 'unlocked'
  | 'pin-changed'
  | 'admin-reset'
  | 'random-pin-issued'
  | 'self-service-set'
  | 'name-recorded'
  | 'admin-login-ok'
  | 'admin-login-failed'
  | 'admin-login-refused-locked'
  | 'admin-locked'
  | 'admin-unlocked'
  | 'admin-passcode-set'
  | 'throttled'
  | 'throttle-cleared'
  | 'user-created'
  | 'user-removed'
  | 'location-added'
  | 'location-removed'
  | 'policy-set'
  | 'default-pin-set'
  | 'default-pin-cleared';

export interface AuditEvent {
  /** Stream entry id (time-ordered). */
  id: string;
  /** ms since epoch. */
  time: number;
  type: AuditEventType;
  actor: Actor;
  userId?: string;
  locationId?: string;
  outcome: string;
  detail?: string;
}

export interface AuditQuery {
  userId?: string;
  locationId?: string;
  /** ms since epoch */
  since?: number;
  /** Most recent N matching events (default 100). */
  limit?: number;
}
