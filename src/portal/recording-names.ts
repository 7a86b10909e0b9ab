/**
 * Names of the Asterisk stored recordings the portal writes, in one place. Asterisk keeps
 * them under its spool `recording/` directory; slashes make sub-directories, so the shipped
 * dialplan can play the auto-attendant greetings by path.
 */
import { randomBytes } from 'node:crypto';

/** Where a recording under review waits (record.ts): every name above stays as it was meanwhile. */
export const DRAFT_PREFIX = 'voice-portal/drafts/';
export type UserGreeting = 'busy' | 'unavailable';
export type AttendantGreeting = 'business-hours' | 'after-hours';

export const recordingNames = {
  personalName: (userId: string): string => `voice-portal/names/${userId}`,
  userGreeting: (userId: string, kind: UserGreeting): string => `voice-portal/greetings/${userId}/${kind}`,
  attendantGreeting: (locationId: string, kind: AttendantGreeting): string => `voice-portal/aa/${locationId}/${kind}`,
  /** A fresh draft's name: random (two calls, or two servers, never share one), and no dot (Asterisk would take what follows for a format). */
  draft: (): string => `${DRAFT_PREFIX}${randomBytes(8).toString('hex')}`,
};
