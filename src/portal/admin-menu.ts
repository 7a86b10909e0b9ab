/**
 * The admin menu (SPEC §6), opened with the location's admin passcode: the auto-attendant
 * greetings for business hours and after hours. They are stored where the shipped dialplan
 * plays them by name; restoring the default deletes the recording, and the dialplan falls
 * back to its default greeting.
 */
import { greetingsMenu } from './greetings-menu';
import { recordingNames } from './recording-names';
import type { Session } from './session';

export async function adminMenu(s: Session, locationId: string): Promise<void> {
  await greetingsMenu(s, {
    menu: 'admin-menu',
    slots: [
      { name: recordingNames.attendantGreeting(locationId, 'business-hours'), recordPrompts: ['admin-greetings-business-hours', 'record-after-tone'] },
      { name: recordingNames.attendantGreeting(locationId, 'after-hours'), recordPrompts: ['admin-greetings-after-hours', 'record-after-tone'] },
    ],
    exitKey: '9',
    maxSeconds: s.timings.greetingMaxSeconds,
  });
  await s.goodbye();
}
