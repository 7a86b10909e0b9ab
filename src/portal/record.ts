/**
 * Recording with review: a prompt, a beep, record until `#`, silence or
 * the maximum length; then 1 keep · 2 listen · 3 record again. A recording with no speech in
 * it is not offered for review: "nothing was heard", and the prompt and beep again.
 *
 * The caller records into a draft, and only the kept recording replaces the one in use: a
 * caller who hangs up, falls silent or records nothing leaves the earlier name or greeting
 * exactly as it was (SPEC §4: hanging up part-way loses nothing), and nobody calling
 * meanwhile hears a recording its owner has not kept.
 */
import type { RecordResult } from '../ari/call';
import type { PromptId } from './prompts';
import { recordingNames } from './recording-names';
import type { Session } from './session';

export interface RecordWithReview {
  /** Stored recording name; the kept recording replaces any earlier one of that name. */
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
  const draft = recordingNames.draft();
  try {
    await reviewUntilKept(s, draft, opts);
  } catch (err) {
    await discardDraft(s, draft);
    throw err;
  }
  // Not discarded if this fails: past its first step the draft is the only copy left.
  await s.deps.recordings.move(draft, opts.name);
}

async function reviewUntilKept(s: Session, draft: string, opts: RecordWithReview): Promise<void> {
  for (;;) {
    await s.sayFully(...opts.prompts);
    const recorded = await s.call.record({
      name: draft,
      maxSeconds: opts.maxSeconds,
      maxSilenceSeconds: s.timings.maxSilenceSeconds,
      beep: true,
      terminateOn: '#',
      ifExists: 'overwrite',
    });
    if (heardNothing(recorded)) {
      s.log.info('recording with no speech: asked again', { name: opts.name, endedBy: recorded.endedBy });
      await s.say('nothing-heard');
      continue;
    }
    for (;;) {
      const key = await s.choose(['recording-options'], ['1', '2', '3'] as const);
      if (key === '1') return;
      if (key === '3') break;
      await s.playMedia([`recording:${draft}`]);
    }
  }
}

/** A draft nobody kept goes; if Asterisk cannot be told now, the draft is left, and logged. */
async function discardDraft(s: Session, draft: string): Promise<void> {
  try {
    await s.deps.recordings.remove(draft);
  } catch (err) {
    s.log.warn('recording draft left in Asterisk', { draft, error: err instanceof Error ? err.message : String(err) });
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
