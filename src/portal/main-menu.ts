/**
 * The user main menu: 1 messages, 3 greetings, 7 name, 8 passcode, 0 mailbox options (as in
 * app_voicemail), 9 goodbye, `#` the menu again. Every sub-menu returns here with `*`.
 */
import { changePinFromMenu } from './change-pin';
import { greetingsMenu } from './greetings-menu';
import { mailboxOptions } from './mailbox-options';
import type { MessageCounts } from '../store';
import { announceMessageCounts, listenToMessages } from './messages';
import { recordPersonalName } from './personal-name';
import type { Session } from './session';
import { userGreetingSlot } from './user-greetings';

const KEYS = ['0', '1', '3', '7', '8', '9', '#'] as const;

/**
 * Runs until the caller presses 9 (goodbye) or stops answering. `counts`: the mailbox's
 * message counts when the caller already has them, read this very moment (the login's).
 */
export async function mainMenu(s: Session, userId: string, counts?: MessageCounts): Promise<void> {
  await announceMessageCounts(s, userId, counts);
  for (;;) {
    const key = await s.choose(['main-menu'], KEYS);
    switch (key) {
      case '0':
        await mailboxOptions(s, userId);
        break;
      case '1':
        await listenToMessages(s, userId);
        break;
      case '3':
        await greetingsMenu(s, {
          menu: 'greetings-menu',
          slots: [userGreetingSlot(s, userId, 'busy'), userGreetingSlot(s, userId, 'unavailable')],
          exitKey: '*',
          maxSeconds: s.timings.greetingMaxSeconds,
        });
        break;
      case '7':
        await recordPersonalName(s, userId);
        break;
      case '8':
        await changePinFromMenu(s, userId);
        break;
      case '9':
        await s.goodbye();
        return;
      case '#':
        break;
    }
  }
}
