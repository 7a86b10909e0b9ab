/**
 * What the call flows need from the rest of the application. Flows import neither
 * ari-client nor ioredis: the store and the stored-recording operations arrive here.
 */
import type { Logger } from '../log';
import type { StoredRecordings } from '../ari';
import type { PortalMetrics } from '../metrics/portal-metrics';
import type { MessageStore, Store, User } from '../store';
import type { MailboxLamps } from './lamps';

/** The store operations the portal uses. */
export type PortalStore = Pick<
  Store,
  | 'getLocation'
  | 'findLocationByPortal'
  | 'findUserByMailbox'
  | 'getUser'
  | 'verifyUserPin'
  | 'verifyAdminPasscode'
  | 'changePin'
  | 'markNameRecorded'
  | 'getPolicy'
  | 'isOrganisationCaller'
>;

export interface PortalTimings {
  /** Wait for the first key of an entry or a menu choice. */
  firstDigitTimeoutMs: number;
  /** Wait between keys; also ends an entry typed without `#`. */
  interDigitTimeoutMs: number;
  /** Reprompts after silence (or a wrong key) before goodbye (3: the prompt and 3 more tries). */
  maxNoInput: number;
  /** Failed logins in one call before goodbye (3), whatever the mailboxes tried. */
  maxLoginFailures: number;
  nameMaxSeconds: number;
  greetingMaxSeconds: number;
  /** Silence that ends a recording. */
  maxSilenceSeconds: number;
}

export const DEFAULT_TIMINGS: PortalTimings = {
  firstDigitTimeoutMs: 5000,
  interDigitTimeoutMs: 3000,
  maxNoInput: 3,
  maxLoginFailures: 3,
  nameMaxSeconds: 10,
  greetingMaxSeconds: 120,
  maxSilenceSeconds: 5,
};

/** The voice-message operations the portal uses (src/store/messages.ts). */
export type PortalMessages = Pick<MessageStore, 'counts' | 'list' | 'reserve' | 'commit' | 'release' | 'setStatus' | 'remove'>;

/** Voicemail limits (issue step 6). */
export interface VoicemailSettings {
  /** Longest message a caller may leave (default 3 minutes). */
  maxMessageSeconds: number;
  /** Messages a mailbox holds, new and saved together (default 100); then deposits are refused. */
  maxMessages: number;
  /**
   * Wait past a message's known duration before it is taken as missing (Asterisk never
   * finishes the playback of a missing recording).
   */
  playbackMarginMs: number;
}

export const DEFAULT_VOICEMAIL: VoicemailSettings = {
  maxMessageSeconds: 180,
  maxMessages: 100,
  playbackMarginMs: 3000,
};

/**
 * Issue #16: a message was left; the new-message e-mail (if the user chose one) is queued.
 * Never throws and never waits for a mail server: a call is never held up by e-mail.
 */
export interface MessageMail {
  messageLeft(user: User, messageId: string): void;
}

export interface PortalDeps {
  store: PortalStore;
  recordings: StoredRecordings;
  timings: PortalTimings;
  logger: Logger;
  messages: PortalMessages;
  lamps: MailboxLamps;
  voicemail: VoicemailSettings;
  /** Events for /metrics (issue #14); NO_METRICS when nobody scrapes. */
  metrics: PortalMetrics;
  /** Absent when the application sends no e-mail (no SMTP_URL). */
  mail?: MessageMail;
}
