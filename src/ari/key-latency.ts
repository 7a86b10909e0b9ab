/**
 * DTMF-to-next-request latency (issue #14 metrics): from a key arriving on a channel
 * (ChannelDtmfReceived handled) to the next REST request the application sends for that
 * call (stop the prompt, play the next one, record, hang up). It is how long a caller waits
 * for the portal to react to a key, Redis round trips and PIN hashing included.
 */
import type { CallRest } from './verb';

export type KeyLatencyObserver = (seconds: number) => void;

export class KeyToRequestTimer {
  private keyAt: number | undefined;

  constructor(private readonly observe: KeyLatencyObserver | undefined) {}

  /**
   * A key arrived. The latest key counts: within an entry (`123456#`) the keys before `#`
   * need no reaction, and timing from the first one would measure the caller's typing.
   */
  markKey(): void {
    if (this.observe) this.keyAt = performance.now();
  }

  private requestSent(): void {
    if (this.keyAt === undefined || !this.observe) return;
    const seconds = (performance.now() - this.keyAt) / 1000;
    this.keyAt = undefined;
    this.observe(seconds);
  }

  /** The same REST operations, each noting that a request left. */
  wrap(rest: CallRest): CallRest {
    if (!this.observe) return rest;
    const sent = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A): Promise<R> => {
      this.requestSent();
      return fn(...args);
    };
    return {
      answer: sent((id) => rest.answer(id)),
      play: sent((id, media, lang, playbackId) => rest.play(id, media, lang, playbackId)),
      stopPlayback: sent((playbackId) => rest.stopPlayback(playbackId)),
      record: sent((id, opts) => rest.record(id, opts)),
      stopRecording: sent((name) => rest.stopRecording(name)),
      hangup: sent((id) => rest.hangup(id)),
      continueInDialplan: sent((id) => rest.continueInDialplan(id)),
      // Status questions after a lost event, not answers to a key: not timed.
      playbackGone: (playbackId) => rest.playbackGone(playbackId),
      liveRecordingGone: (name) => rest.liveRecordingGone(name),
    };
  }
}
