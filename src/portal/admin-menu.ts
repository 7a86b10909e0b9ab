/**
 * The admin menu, opened with the location's admin passcode: the auto-attendant
 * greetings for business hours and after hours. They are stored where the shipped dialplan
 * plays them by name; restoring the default deletes the recording, and the dialplan falls
 * back to its default greeting.
 */
import { greetingsMenu } from './greetings-menu';
import { promptMedia } from './prompts';
import { recordingNames } from './recording-names';
import type { Session } from './session';

/** What the shipped dialplan plays while a greeting is not recorded. */
const fallback = (): Promise<string[]> => Promise.resolve([promptMedia('aa-default-greeting')]);

export async function adminMenu(s: Session, locationId: string): Promise<void> {
  await greetingsMenu(s, {
    menu: 'admin-menu',
    slots: [
      { name: recordingNames.attendantGreeting(locationId, 'business-hours'), recordPrompts: ['admin-greetings-business-hours', 'record-after-tone'], fallback },
      { name: recordingNames.attendantGreeting(locationId, 'after-hours'), recordPrompts: ['admin-greetings-after-hours', 'record-after-tone'], fallback },
    ],
    exitKey: '9',
    maxSeconds: s.timings.greetingMaxSeconds,
  });
  await s.goodbye();
}
