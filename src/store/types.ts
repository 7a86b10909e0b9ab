/** What the store hands out. No type here carries a PIN or a hash. */
import type { PinPolicy } from '../security/pin-policy';

export type { PinPolicy };

/**
 * The organisation's policy as the store keeps it: the PIN policy (digits, lengths, history,
 * triviality, lockout) plus the organisation settings that go with it. A superset of
 * PinPolicy, so it can be passed wherever a PinPolicy is expected.
 */
export interface OrgPolicy extends PinPolicy {
  /**
   * Refuse `*` logins (someone else's mailbox, typed at the mailbox prompt) from
   * callers outside the organisation, i.e. when `isOrganisationCaller(callerId)` is false.
   * Default false. Enforced by the portal, not by the store.
   */
  refuseOutsideStarLogin: boolean;
  // ---- issue #11: against an outside attacker (untrusted calls, sprays from many numbers) ----
  /**
   * Failures from untrusted calls (not marked `internal` by the dialplan) per location per
   * hour, across every calling number; past it, untrusted logins at that location hear
   * "service unavailable" with no PIN evaluated. Default 30.
   */
  locationThrottlePerHour: number;
  /**
   * What failures from untrusted calls lock: 'permanent' (default, the seed's behaviour: until
   * an administrator acts) or 'temporary' (TEMPORARY_LOCK_FIRST_MS, doubled at each lock in a
   * row, permanent after TEMPORARY_LOCKS_BEFORE_PERMANENT). Trusted calls always lock for good.
   */
  untrustedLockout: UntrustedLockout;
}

export type UntrustedLockout = 'permanent' | 'temporary';

/** Fields of the policy to change; the others keep their stored value. */
export type PolicyChanges = Partial<OrgPolicy>;

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
  /** Set while the mailbox is locked (ms since epoch). Never expires, unless lockedUntil is set. */
  lockedSince?: number;
  /**
   * Issue #11: a temporary lock (policy `untrustedLockout: 'temporary'`) ends at this time
   * (ms, Redis clock); the next attempt after it finds the mailbox open.
   */
  lockedUntil?: number;
  /** E-mail address (lower-cased), for new-message and lock notifications (issues #15, #16). */
  email?: string;
  /** What a new voice message sends to `email` (issue #16); `off` when never set. */
  emailMessages: EmailMessagesMode;
}

/**
 * The new-message e-mail choice (issue #16): nothing, a notification, the notification with
 * the audio attached, or attached and then deleted from the mailbox.
 */
export type EmailMessagesMode = 'off' | 'notify' | 'attach' | 'attach-delete';
export const EMAIL_MESSAGES_MODES: readonly EmailMessagesMode[] = ['off', 'notify', 'attach', 'attach-delete'];

export interface NewUser {
  /** Generated when absent. Letters, digits, `_ . -`, at most 64. */
  id?: string;
  locationId: string;
  extension: string;
  number?: string;
  language?: string;
  displayName?: string;
  /** E-mail address (validated, lower-cased). */
  email?: string;
  /** Default `off`. */
  emailMessages?: EmailMessagesMode;
}

/**
 * Changes to a user (`updateUser`): only the fields present change. `null` removes an
 * optional field (the number; the language, which then follows the location's; the name).
 */
export interface UserChanges {
  extension?: string;
  number?: string | null;
  language?: string | null;
  displayName?: string | null;
  /** Move the user to another (existing) location. */
  locationId?: string;
  /** `null` removes the address. */
  email?: string | null;
  emailMessages?: EmailMessagesMode;
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

/**
 * Changes to a location (`updateLocation`): only the fields present change. `null` removes
 * the portal number or extension; at least one of the two must remain.
 */
export interface LocationChanges {
  name?: string;
  language?: string;
  timeZone?: string;
  portalNumber?: string | null;
  portalExtension?: string | null;
}

/** Answer of verifyUserPin / verifyAdminPasscode. */
/** The two numbers a message-waiting lamp shows. */
export interface MessageCounts {
  newMessages: number;
  /** Saved (heard) messages: Asterisk's `oldMessages`. */
  oldMessages: number;
}

export type VerifyResult =
  | {
      result: 'ok';
      mustChange: boolean;
      mustRecordName: boolean;
      userId: string;
      /** The mailbox's message counts as the login settled, for the main menu's announcement. */
      messages: MessageCounts;
    }
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
  | 'user-updated'
  | 'location-added'
  | 'location-removed'
  | 'location-updated'
  | 'policy-set'
  | 'default-pin-set'
  | 'default-pin-cleared'
  // Self-service HTTP API (issue #15)
  | 'token-created'
  | 'token-revoked'
  | 'api-request'

  | 'mail-failed'
  | 'users-imported';

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

/** Which events to keep: all of the given fields must match. */
export interface AuditFilter {
  userId?: string;
  locationId?: string;
  /**
   * Include the noise (throttled and refused-while-locked calls, kept in a stream of their
   * own so that no flood of them rolls locks, resets or admin changes out of the trail).
   * Default true.
   */
  includeNoise?: boolean;
  /** Only events of these types (default: every type). */
  types?: readonly AuditEventType[];
}

export interface AuditQuery extends AuditFilter {
  /** ms since epoch */
  since?: number;
  /** Most recent N matching events (default 100). */
  limit?: number;
}

/** Options of `Store.close`. */
export interface CloseOptions {
  /**
   * Wait up to this long (ms) for lockout-webhook deliveries still in flight or waiting for
   * a retry, then abandon the rest. Default 0: abandon them at once (the long-running
   * application, whose shutdown must be quick; the CLI, which exits right after its one
   * command, drains a few seconds so its lock/unlock/reset notifications are not lost).
   */
  drainWebhookMs?: number;
}

export interface CloseResult {
  /**
   * Lockout notifications never confirmed by the webhook receiver during this store's life:
   * given up after the last retry, or abandoned by close() (each is logged).
   */
  webhooksUndelivered: number;
}

// ---- integration tokens of the self-service HTTP API (issue #15) ----------------------------

/** What a token may do: `self-service` (a user's own settings) or `admin` (also reset, unlock). */
export type TokenScope = 'self-service' | 'admin';

/** An integration token as listed: never the token, never its hash. */
export interface ApiToken {
  name: string;
  scope: TokenScope;
  createdAt: number;
}

/** Outgoing e-mail jobs (issue #16, src/store/mail-queue.ts). */
export type MailJobKind = 'new-message' | 'locked';

export interface MailJob {
  id: string;
  kind: MailJobKind;
  userId: string;
  /** `new-message` only. */
  messageId?: string;
  createdAt: number;
  /** Tries so far, this one included. */
  attempts: number;
  lastError?: string;
}

/** A job leased to one worker: settling it requires the token. */
export interface ClaimedMailJob extends MailJob {
  token: string;
}
