/**
 * play(): one Asterisk playback for the whole media list, with an id made here so that events
 * racing the REST reply (PlaybackStarted often beats it) are recognised. Asterisk never stops
 * a playback for DTMF: barge-in is a DELETE /playbacks/{id} from here. Asterisk also never
 * finishes a playback of an unknown scheme or a missing recording: each media item gets a
 * timer, re-armed at every PlaybackStarted/PlaybackContinuing.
 */
import { randomUUID } from 'node:crypto';
import type { PlayOptions, PlayResult } from '../call';
import { CallEnded, type AriError } from '../errors';
import { VerbTask, type DtmfDisposition, type PlaybackEvent, type VerbContext } from '../verb';

export class PlayVerb extends VerbTask<PlayResult> {
  private readonly playbackId = randomUUID();
  private readonly media: string[];
  private readonly timeoutMs: number;
  private posted: Promise<boolean> | undefined;
  private itemTimer: NodeJS.Timeout | undefined;
  /** Set once we decided to stop it (key or timeout): its PlaybackFinished is no news. */
  private stopping = false;

  constructor(
    ctx: VerbContext,
    media: string | readonly string[],
    private readonly opts: PlayOptions,
  ) {
    super('play', ctx);
    this.media = typeof media === 'string' ? [media] : [...media];
    this.timeoutMs = opts.timeoutMs ?? ctx.settings.playbackTimeoutMs;
  }

  start(): void {
    if (this.media.length === 0) {
      this.resolve({ endedBy: 'done' });
      return;
    }
    const buffered = this.ctx.typeAhead[0];
    if (this.opts.interruptible && buffered !== undefined) {
      // The caller is already typing: do not start a prompt they are talking over.
      this.resolve({ endedBy: 'interrupted', interruptedBy: buffered });
      return;
    }
    this.armItemTimer();
    // true when Asterisk accepted the playback; failures reject the verb.
    this.posted = this.ctx.rest.play(this.ctx.channelId, this.media, this.opts.lang, this.playbackId).then(
      () => true,
      (err: AriError) => {
        this.reject(err);
        return false;
      },
    );
  }

  override onDtmf(digit: string): DtmfDisposition {
    if (!this.opts.interruptible) return 'discard';
    if (!this.stopping && !this.isSettled) {
      this.stopping = true;
      void this.stopThenResolve({ endedBy: 'interrupted', interruptedBy: digit });
    }
    return 'buffer';
  }

  override onPlayback(event: PlaybackEvent): void {
    if (event.playbackId !== this.playbackId || this.stopping) return;
    if (event.type !== 'PlaybackFinished') {
      this.armItemTimer(); // the next item started: it gets its own bound
      return;
    }
    if (event.state === 'done') {
      this.resolve({ endedBy: 'done' });
    } else if (this.ctx.hangupRequested()) {
      // Hang-up during playback: PlaybackFinished(failed) comes before StasisEnd.
      this.reject(new CallEnded(this.ctx.channelId));
    } else {
      this.ctx.logger.warn('playback failed (missing sound?)', { media: this.media });
      this.resolve({ endedBy: 'failed' });
    }
  }

  /** After a socket gap: a playback Asterisk no longer has finished while we were not listening. */
  override onResync(): void {
    if (this.stopping || this.isSettled || !this.posted) return;
    void this.posted.then(async (accepted) => {
      if (!accepted || this.stopping || this.isSettled) return;
      const gone = await this.ctx.rest.playbackGone(this.playbackId).catch(() => false);
      if (gone && !this.stopping) this.resolve({ endedBy: 'done' });
    });
  }

  private armItemTimer(): void {
    this.clearTimer(this.itemTimer);
    this.itemTimer = this.setTimer(this.timeoutMs, () => {
      if (this.stopping) return;
      this.stopping = true;
      this.ctx.logger.warn('playback did not finish in time; stopping it', { media: this.media, timeoutMs: this.timeoutMs });
      void this.stopThenResolve({ endedBy: 'timeout', timedOut: true });
    });
  }

  protected override async stopMedia(): Promise<void> {
    this.stopping = true;
    this.clearTimer(this.itemTimer);
    const accepted = await this.posted;
    if (!accepted || this.isSettled) return;
    await this.ctx.rest.stopPlayback(this.playbackId).catch(() => undefined);
  }

  /** DELETE the playback once Asterisk has it, then resolve (the next prompt must not overlap). */
  private async stopThenResolve(result: PlayResult): Promise<void> {
    this.clearTimer(this.itemTimer);
    const accepted = await this.posted;
    if (!accepted || this.isSettled) return;
    try {
      await this.ctx.rest.stopPlayback(this.playbackId);
    } catch (err) {
      // 404: it finished on its own meanwhile; anything else is not worth failing the call for.
      this.ctx.logger.debug('stopping playback failed', { error: (err as Error).message });
    }
    this.resolve(result);
  }
}
