/**
 * Recording with review: a prompt, a beep, record until `#`, silence or
 * the maximum length; then 1 keep · 2 listen · 3 record again. A recording with no speech in
 * it is not offered for review: "nothing was heard", and the prompt and beep again.
 */
import type { RecordResult } from '../ari/call';
import type { PromptId } from './prompts';
import type { Session } from './session';

export interface RecordWithReview {
  /** Stored recording name; an earlier recording of the same name is replaced. */
  name: string;
  /** What the caller hears before the beep. */
  prompts: PromptId[];
  maxSeconds: number;
}

/**
 * Resolves once the caller kept the recording (key 1). Silence at the review menu ends in
 * `CallerGaveUp` (from `choose`), a hang-up in `CallEnded`: either way the caller did not
 * keep it.
 */
export async function recordWithReview(s: Session, opts: RecordWithReview): Promise<void> {
  for (;;) {
    await s.sayFully(...opts.prompts);
    const recorded = await s.call.record({
      name: opts.name,
      maxSeconds: opts.maxSeconds,
      maxSilenceSeconds: s.timings.maxSilenceSeconds,
      beep: true,
      terminateOn: '#',
      ifExists: 'overwrite',
    });
    if (heardNothing(recorded)) {
      s.log.info('recording with no speech: asked again', { name: opts.name, endedBy: recorded.endedBy });
      // A silent name or greeting is worse than none: callers would hear silence, not the default.
      await s.deps.recordings.remove(opts.name);
      await s.say('nothing-heard');
      continue;
    }
    for (;;) {
      const key = await s.choose(['recording-options'], ['1', '2', '3'] as const);
      if (key === '1') return;
      if (key === '3') break;
      await s.playMedia([`recording:${opts.name}`]);
    }
  }
}

/**
 * No speech in the recording, as far as Asterisk's whole seconds of talking tell (see
 * RecordResult.talkingSec): 0 s, or at most 1 s when Asterisk ended it itself (the silence
 * or the maximum length), since its figure then keeps up to a second of the silence that ended
 * it. So a name under about a second, followed by waiting for the silence to end the
 * recording, is asked again; pressing `#` after speaking avoids that. No figure (no silence
 * detection): taken as speech.
 */
export function heardNothing(r: RecordResult): boolean {
  if (r.talkingSec === undefined) return false;
  const keyOrHangup = r.endedBy === 'terminator' || r.endedBy === 'hangup';
  return r.talkingSec <= (keyOrHangup ? 0 : 1);
}
