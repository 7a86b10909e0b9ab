/**
 * Choosing a new PIN (SPEC §4 forced change, SPEC §5 key 8): the new PIN, the same again to
 * confirm, then the PIN policy (SPEC §7). A rejected PIN gets its spoken reason and another
 * try. The store applies the change in one step, so a hang-up leaves the old PIN or the new
 * one, never half of each.
 */
import type { PinRejection } from '../security/pin-policy';
import { PinRejected } from '../store/errors';
import type { PromptId } from './prompts';
import { CallerGaveUp, type Session } from './session';

const REASON_PROMPT: Record<PinRejection, PromptId> = {
  'not-digits': 'passcode-too-simple',
  'too-short': 'passcode-too-short',
  'too-long': 'passcode-too-long',
  'too-simple': 'passcode-too-simple',
  'too-common': 'passcode-too-common',
  'contains-number': 'passcode-contains-number',
  'used-recently': 'passcode-used-recently',
  'is-default': 'passcode-is-default',
};

/** `intro` asks for the new PIN the first time ('must-change-passcode' or 'enter-new-passcode'). */
export async function changePin(s: Session, userId: string, intro: PromptId): Promise<void> {
  let prompts: PromptId[] = [intro];
  let misses = 0;
  for (;;) {
    const first = await s.readEntry(prompts);
    if (first.kind !== 'digits') {
      misses += 1;
      if (misses > s.timings.maxNoInput) throw new CallerGaveUp('no new PIN entered');
      prompts = ['enter-new-passcode'];
      continue;
    }
    const second = await s.readEntry(['confirm-passcode']);
    if (second.kind !== 'digits' || second.value !== first.value) {
      prompts = ['passcodes-differ', 'enter-new-passcode'];
      continue;
    }
    try {
      await s.deps.store.changePin(userId, first.value, s.actor);
    } catch (err) {
      if (!(err instanceof PinRejected)) throw err;
      s.log.info('new PIN refused by policy', { reason: err.reason });
      prompts = [REASON_PROMPT[err.reason], 'enter-new-passcode'];
      continue;
    }
    s.log.info('PIN changed');
    await s.say('passcode-changed');
    return;
  }
}
