/** Recording the personalised name (first login or after a reset, main-menu key 7). */
import { recordingNames } from './recording-names';
import { recordWithReview } from './record';
import type { Session } from './session';

/** Resolves once a name was recorded and kept, and the store knows it. */
export async function recordPersonalName(s: Session, userId: string): Promise<void> {
  await recordWithReview(s, {
    name: recordingNames.personalName(userId),
    prompts: ['record-name'],
    maxSeconds: s.timings.nameMaxSeconds,
  });
  await s.deps.store.markNameRecorded(userId, s.actor);
  await s.say('name-saved');
}
