/** The user main menu (SPEC §5). */
import { changePin } from './change-pin';
import { greetingsMenu } from './greetings-menu';
import { announceMessageCounts, listenToMessages } from './messages';
import { recordPersonalName } from './personal-name';
import { recordingNames } from './recording-names';
import type { Session } from './session';

const KEYS = ['1', '3', '7', '8', '9', '#'] as const;

/** Runs until the caller presses 9 (goodbye) or stops answering. */
export async function mainMenu(s: Session, userId: string): Promise<void> {
  await announceMessageCounts(s, userId);
  for (;;) {
    const key = await s.choose(['main-menu'], KEYS);
    switch (key) {
      case '1':
        await listenToMessages(s, userId);
        break;
      case '3':
        await greetingsMenu(s, {
          menu: 'greetings-menu',
          slots: [
            { name: recordingNames.userGreeting(userId, 'busy'), recordPrompts: ['record-busy-greeting'] },
            { name: recordingNames.userGreeting(userId, 'unavailable'), recordPrompts: ['record-unavailable-greeting'] },
          ],
          exitKey: '*',
          maxSeconds: s.timings.greetingMaxSeconds,
        });
        break;
      case '7':
        await recordPersonalName(s, userId);
        break;
      case '8':
        await changePin(s, userId, 'enter-new-passcode');
        break;
      case '9':
        await s.goodbye();
        return;
      case '#':
        break;
    }
  }
}
