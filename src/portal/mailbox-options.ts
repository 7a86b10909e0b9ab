/**
 * Mailbox options (main-menu key 0), laid out as app_voicemail's so that its users find their
 * keys: 1 record the no-answer ("unavailable") greeting, 2 record the busy greeting, 3 record
 * the name, 5 change the passcode, `*` back to the main menu. app_voicemail's 4 (temporary
 * greeting) has no counterpart here: it is a wrong key. Listening to a greeting and going back
 * to the default are in the greetings menu (main-menu key 3).
 */
import { changePinFromMenu } from './change-pin';
import { recordGreeting } from './greetings-menu';
import { recordPersonalName } from './personal-name';
import type { Session } from './session';
import { userGreetingSlot } from './user-greetings';

const KEYS = ['1', '2', '3', '5', '*'] as const;

/** Returns when the caller presses `*`; each option comes back here when done. */
export async function mailboxOptions(s: Session, userId: string): Promise<void> {
  for (;;) {
    const key = await s.choose(['mailbox-options'], KEYS);
    switch (key) {
      case '1':
        await recordGreeting(s, userGreetingSlot(s, userId, 'unavailable'), s.timings.greetingMaxSeconds);
        break;
      case '2':
        await recordGreeting(s, userGreetingSlot(s, userId, 'busy'), s.timings.greetingMaxSeconds);
        break;
      case '3':
        await recordPersonalName(s, userId);
        break;
      case '5':
        await changePinFromMenu(s, userId);
        break;
      case '*':
        return;
    }
  }
}
