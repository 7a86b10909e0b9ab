/**
 * Choosing a new PIN (the forced change at the first login or after a reset, and main-menu
 * key 8): the new PIN, the same again to confirm, then the PIN policy. A rejected PIN gets
 * its spoken reason and another try. The store applies the change in one step, so a hang-up
 * leaves the old PIN or the new one, never half of each.
 *
 * Silence is no attempt, at either prompt: the same prompt again (a silence at "enter it
 * again" keeps the first entry; it is no mismatch). After `maxNoInput` silences in a row the
 * caller is taken to have gone, as in every menu.
 */
import type { PinRejection } from '../security/pin-policy';
import { PinRejected } from '../store/errors';
import { promptMedia, type PromptId } from './prompts';
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

export interface ChangePinOptions {
  /** Asks for the new PIN the first time ('must-change-passcode', or the key-8 prompt). */
  intro: PromptId;
  /**
   * `*` as the first key of either entry gives up the change (main-menu key 8: back to the
   * menu). Absent for the forced change, which cannot be skipped.
   */
  starCancels?: boolean;
}

/** 'changed', or 'cancelled' when the caller pressed `*` (only with `starCancels`). */
export async function changePin(s: Session, userId: string, opts: ChangePinOptions): Promise<'changed' | 'cancelled'> {
  const again: PromptId = opts.starCancels ? 'enter-new-passcode-or-star' : 'enter-new-passcode';
  const silences = new SilenceCount(s);
  let lead: string[] = [];
  let prompts: PromptId[] = [opts.intro];
  for (;;) {
    const first = await s.readEntry(prompts, { starIsKey: opts.starCancels, lead });
    lead = [];
    if (first.kind === 'star') return 'cancelled';
    if (first.kind !== 'digits') {
      silences.add();
      prompts = [again];
      continue;
    }
    silences.reset();
    const second = await confirm(s, silences, opts);
    if (second === 'star') return 'cancelled';
    if (second !== first.value) {
      prompts = ['passcodes-differ', again];
      continue;
    }
    try {
      await s.deps.store.changePin(userId, first.value, s.actor);
    } catch (err) {
      if (!(err instanceof PinRejected)) throw err;
      s.log.info('new PIN refused by policy', { reason: err.reason });
      lead = reasonMedia(err);
      prompts = [again];
      continue;
    }
    s.log.info('PIN changed');
    await s.say('passcode-changed');
    return 'changed';
  }
}

/** The change a caller chose from a menu (main menu 8, mailbox options 5): `*` gives it up. */
export function changePinFromMenu(s: Session, userId: string): Promise<'changed' | 'cancelled'> {
  return changePin(s, userId, { intro: 'enter-new-passcode-or-star', starCancels: true });
}

/** "Enter it again", asked again after a silence; the digits typed, or `star`. */
async function confirm(s: Session, silences: SilenceCount, opts: ChangePinOptions): Promise<string | 'star'> {
  for (;;) {
    const entry = await s.readEntry(['confirm-passcode'], { starIsKey: opts.starCancels });
    if (entry.kind === 'star') return 'star';
    if (entry.kind === 'digits') return entry.value;
    silences.add();
  }
}

/**
 * Why the PIN was refused, with the limit when it is a length: "too short: a passcode must
 * have at least <n> digits".
 */
function reasonMedia(err: PinRejected): string[] {
  const prompt = promptMedia(REASON_PROMPT[err.reason]);
  if (err.lengthLimit === undefined) return [prompt];
  return [prompt, `number:${err.lengthLimit}`, promptMedia('digits-unit')];
}

/** Silences in a row over both prompts; past `maxNoInput` the caller has gone. */
class SilenceCount {
  private count = 0;
  constructor(private readonly s: Session) {}
  add(): void {
    this.count += 1;
    if (this.count > this.s.timings.maxNoInput) throw new CallerGaveUp('no new PIN entered');
  }
  reset(): void {
    this.count = 0;
  }
}
