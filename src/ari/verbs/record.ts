/**
 * record(): a live recording on the channel. Asterisk's RecordingFinished says only "done"
 * and a duration, so how it ended is inferred (rule in RecordResult.endedBy): the terminating
 * key arrives as ChannelDtmfReceived ~3 ms before RecordingFinished; a hang-up arrives as
 * ChannelHangupRequest before it (and the recording is still kept, then StasisEnd follows).
 * Keys pressed while recording are swallowed so the terminator never reaches the next gather.
 */
import type { RecordOptions, RecordResult } from '../call';
import { RecordingFailed, RecordingLost, type AriError } from '../errors';
import { VerbTask, type DtmfDisposition, type RecordingEvent, type VerbContext } from '../verb';

/** Asterisk's beep plays before recording starts (about 1 s on a real system). */
const BEEP_ALLOWANCE_MS = 2000;
/**
 * Asterisk sends RecordingFinished ~3 ms after the terminating key's ChannelDtmfReceived. If it
 * has not come this long after the key, it was lost: ask Asterisk rather than leave the caller
 * in silence until the watchdog (maxSeconds + grace, minutes for a voice message).
 */
const TERMINATOR_GRACE_MS = 1500;

export class RecordVerb extends VerbTask<RecordResult> {
  private terminatorSeen = false;
  private hangupSeen = false;
  private readonly terminateOn: string;

  constructor(
    ctx: VerbContext,
    private readonly opts: RecordOptions,
  ) {
    super('record', ctx);
    this.terminateOn = opts.terminateOn ?? '#';
    if (!(opts.maxSeconds > 0)) throw new RangeError(`record: maxSeconds must be > 0, got ${opts.maxSeconds}`);
  }

  start(): void {
    const { opts } = this;
    const watchdogMs = opts.maxSeconds * 1000 + (opts.beep ? BEEP_ALLOWANCE_MS : 0) + this.ctx.settings.recordingGraceMs;
    this.setTimer(watchdogMs, () => this.giveUp());
    this.ctx.rest
      .record(this.ctx.channelId, {
        name: opts.name,
        format: opts.format ?? 'wav',
        maxDurationSeconds: opts.maxSeconds,
        maxSilenceSeconds: opts.maxSilenceSeconds ?? 0,
        ifExists: opts.ifExists ?? 'fail',
        beep: opts.beep ?? false,
        terminateOn: this.terminateOn,
      })
      .catch((err: AriError) => this.reject(err));
  }

  override onDtmf(digit: string): DtmfDisposition {
    if (!this.isSettled && !this.terminatorSeen && (digit === this.terminateOn || (this.terminateOn === 'any' && digit !== ''))) {
      this.terminatorSeen = true;
      this.setTimer(TERMINATOR_GRACE_MS, () => this.checkStillLive());
    }
    return 'discard';
  }

  override onHangupRequest(): void {
    this.hangupSeen = true;
  }

  override onRecording(event: RecordingEvent): void {
    if (event.name !== this.opts.name) return;
    if (event.type === 'RecordingFailed' || event.state === 'failed') {
      this.reject(new RecordingFailed(event.name, event.cause ?? event.state));
    } else if (event.type === 'RecordingFinished') {
      const durationSec = event.duration ?? 0;
      const endedBy = this.classify(event);
      this.ctx.logger.debug('recording finished', { name: event.name, durationSec, endedBy });
      this.resolve({ name: event.name, durationSec, endedBy, ...(event.talkingDuration !== undefined ? { talkingSec: event.talkingDuration } : {}) });
    }
  }

  private classify(event: RecordingEvent): RecordResult['endedBy'] {
    const maxSilence = this.opts.maxSilenceSeconds ?? 0;
    if (this.terminatorSeen) return 'terminator';
    if (this.hangupSeen || this.ctx.hangupRequested()) return 'hangup';
    // Not silence_duration: Asterisk computes it as duration − talking_duration after cutting
    // the trailing silence off both (main/app.c), so a recording the silence ended reports
    // about 0 there. What tells the two ends apart is the length: the maximum stops at
    // maxSeconds, the silence well before it (its own maxSilenceSeconds are cut off).
    if ((event.duration ?? 0) >= this.opts.maxSeconds) return 'max';
    // Ended early with no key and no hang-up: only the silence detector stops a recording so.
    return maxSilence > 0 ? 'silence' : 'max';
  }

  /** Stopped (not cancelled): Asterisk keeps what was recorded, as after a hang-up. */
  protected override async stopMedia(): Promise<void> {
    await this.ctx.rest.stopRecording(this.opts.name).catch(() => undefined);
  }

  override onResync(): void {
    this.checkStillLive();
  }

  /**
   * Its RecordingFinished may have been lost: if Asterisk no longer has the live recording, it
   * ended unseen (RecordingLost; the file is kept, as after any recording). A recording still
   * live carries on, under the watchdog.
   */
  private checkStillLive(): void {
    this.ctx.rest.liveRecordingGone(this.opts.name).then(
      (gone) => {
        if (!gone || this.isSettled) return;
        this.ctx.logger.warn('recording ended without a RecordingFinished (event lost)', { name: this.opts.name });
        this.reject(new RecordingLost(this.opts.name));
      },
      () => undefined,
    );
  }

  /** No RecordingFinished long after it must have ended (event lost in a socket gap). */
  private giveUp(): void {
    this.ctx.logger.warn('recording never reported its end; stopping it', { name: this.opts.name });
    this.ctx.rest.stopRecording(this.opts.name).catch(() => undefined);
    this.reject(new RecordingLost(this.opts.name));
  }
}
