/**
 * Recording with review (SPEC §5 "Recording"): a prompt, a beep, record until `#`, silence or
 * the maximum length; then 1 keep · 2 listen · 3 record again.
 */
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
    await s.call.record({
      name: opts.name,
      maxSeconds: opts.maxSeconds,
      maxSilenceSeconds: s.timings.maxSilenceSeconds,
      beep: true,
      terminateOn: '#',
      ifExists: 'overwrite',
    });
    for (;;) {
      const key = await s.choose(['recording-options'], ['1', '2', '3'] as const);
      if (key === '1') return;
      if (key === '3') break;
      await s.playMedia([`recording:${opts.name}`]);
    }
  }
}
