/**
 * Names of the Asterisk stored recordings the portal writes, in one place. Asterisk keeps
 * them under its spool `recording/` directory; slashes make sub-directories, so the shipped
 * dialplan can play the auto-attendant greetings by path.
 */
export type UserGreeting = 'busy' | 'unavailable';
export type AttendantGreeting = 'business-hours' | 'after-hours';

export const recordingNames = {
  personalName: (userId: string): string => `voice-portal/names/${userId}`,
  userGreeting: (userId: string, kind: UserGreeting): string => `voice-portal/greetings/${userId}/${kind}`,
  attendantGreeting: (locationId: string, kind: AttendantGreeting): string => `voice-portal/aa/${locationId}/${kind}`,
};
