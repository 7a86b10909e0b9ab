/**
 * The greeting a caller hears when the user recorded none for that reason: the recorded name
 * (or "the person at extension <digits>") + "is on the phone" / "is not available". Used by
 * deposits, and by the greetings menus to let the user hear it.
 */
import type { User } from '../store/types';
import { promptMedia } from './prompts';
import { recordingNames, type UserGreeting } from './recording-names';
import type { Session } from './session';

export async function defaultGreetingMedia(s: Session, user: Pick<User, 'id' | 'extension' | 'mustRecordName'>, reason: UserGreeting): Promise<string[]> {
  const tail = promptMedia(reason === 'busy' ? 'is-busy' : 'is-unavailable');
  const name = recordingNames.personalName(user.id);
  // The flag says a name was recorded since the last reset; the file must also still be there
  // (a missing recording would leave the caller in silence until the playback timeout).
  if (!user.mustRecordName && (await s.deps.recordings.exists(name))) return [`recording:${name}`, tail];
  return [promptMedia('default-greeting-extension'), `digits:${user.extension}`, tail];
}
