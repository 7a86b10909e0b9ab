/** A user's two greetings as menu slots, shared by the greetings menu (key 3) and the mailbox options (key 0). */
import { defaultGreetingMedia } from './default-greeting';
import type { GreetingSlot } from './greetings-menu';
import { recordingNames, type UserGreeting } from './recording-names';
import type { Session } from './session';

export function userGreetingSlot(s: Session, userId: string, kind: UserGreeting): GreetingSlot {
  return {
    name: recordingNames.userGreeting(userId, kind),
    recordPrompts: [kind === 'busy' ? 'record-busy-greeting' : 'record-unavailable-greeting'],
    fallback: async () => {
      const user = await s.deps.store.getUser(userId);
      return user ? defaultGreetingMedia(s, user, kind) : [];
    },
  };
}
