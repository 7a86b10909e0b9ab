/**
 * One in-flight verb of a call, modelled on jambonz's tasks: a small object with one
 * lifecycle (start, then settle exactly once, or be killed) that owns its timers, so that
 * settling or killing it releases everything it holds. The call session routes the channel's
 * events to the verb that is running.
 */
import type { Logger } from '../log';
import type { AriError } from './errors';

/** What happens to a key pressed while the verb runs. */
export type DtmfDisposition = 'consumed' | 'buffer' | 'discard';

export interface PlaybackEvent {
  type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished';
  playbackId: string;
  state: string;
}

export interface RecordingEvent {
  type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed';
  name: string;
  state: string;
  duration?: number;
  talkingDuration?: number;
  silenceDuration?: number;
  cause?: string;
}

/** ARI requests a verb may make, already turned into typed errors (AriError). */
export interface CallRest {
  answer(channelId: string): Promise<void>;
  play(channelId: string, media: string[], lang: string | undefined, playbackId: string): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  record(
    channelId: string,
    opts: {
      name: string;
      format: string;
      maxDurationSeconds: number;
      maxSilenceSeconds: number;
      ifExists: string;
      beep: boolean;
      terminateOn: string;
    },
  ): Promise<void>;
  stopRecording(name: string): Promise<void>;
  /** True when Asterisk no longer has this playback (404): it ended, maybe unseen. */
  playbackGone(playbackId: string): Promise<boolean>;
  /** True when Asterisk no longer has this live recording (404): it ended, maybe unseen. */
  liveRecordingGone(name: string): Promise<boolean>;
  hangup(channelId: string): Promise<void>;
  continueInDialplan(channelId: string): Promise<void>;
}

export interface VerbSettings {
  /** Default bound for one media item (see PlayOptions.timeoutMs). */
  playbackTimeoutMs: number;
  /** Extra wait past maxSeconds (+ beep) before a recording is declared lost. */
  recordingGraceMs: number;
  /** Told the DTMF-to-next-request latency of every key (metrics; see key-latency.ts). */
  onKeyToRequest?: (seconds: number) => void;
}

/** What a verb may use of its call. */
export interface VerbContext {
  readonly channelId: string;
  readonly language: string;
  readonly rest: CallRest;
  readonly logger: Logger;
  readonly settings: VerbSettings;
  /** Keys typed ahead, oldest first; verbs take from the front. */
  readonly typeAhead: string[];
  /** True once Asterisk said ChannelHangupRequest for this channel. */
  hangupRequested(): boolean;
  /**
   * True (once: reading clears it) when the events socket was lost while keys were being
   * gathered or waited in the buffer: keys typed meanwhile never reached us.
   */
  takeKeysLost(): boolean;
}

/**
 * Live verb timers per channel, for leak checks (`AriEngine.resourcesFor`): a timer is counted
 * from setTimer until it fires, is cleared, or its verb settles.
 */
const liveTimers = new Map<string, number>();

function countTimer(channelId: string, delta: number): void {
  const n = (liveTimers.get(channelId) ?? 0) + delta;
  if (n > 0) liveTimers.set(channelId, n);
  else liveTimers.delete(channelId);
}

/** Verb timers still pending for `channelId` (all channels when omitted). */
export function liveVerbTimers(channelId?: string): number {
  if (channelId !== undefined) return liveTimers.get(channelId) ?? 0;
  let n = 0;
  for (const count of liveTimers.values()) n += count;
  return n;
}

export abstract class VerbTask<T> {
  readonly result: Promise<T>;
  private resolveResult!: (value: T) => void;
  private rejectResult!: (err: Error) => void;
  private settled = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly kind: string,
    protected readonly ctx: VerbContext,
  ) {
    this.result = new Promise<T>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Begin the verb. Must not throw: failures reject `result`. */
  abstract start(): void;

  onDtmf(_digit: string): DtmfDisposition {
    return 'buffer';
  }
  onPlayback(_event: PlaybackEvent): void {}
  onRecording(_event: RecordingEvent): void {}
  onHangupRequest(): void {}
  /** The events socket was lost: until `onResync`, this verb hears nothing from Asterisk. */
  onEventsLost(): void {}
  /**
   * The events socket was down for a while (the engine reconnected): events of this verb may
   * have been lost. Verbs waiting for an event ask Asterisk where things stand.
   */
  onResync(): void {}

  /** The call ended (or the engine stopped): reject with `err`, release everything. */
  kill(err: Error): void {
    this.reject(err);
  }

  /**
   * The application is shutting down and needs the channel back while the call stays up:
   * stop what this verb does on the channel (its playback or recording), then reject with
   * `err`. Resolves once Asterisk was told, so the next media is not queued behind this one.
   */
  async interrupt(err: Error): Promise<void> {
    if (this.settled) return;
    await this.stopMedia();
    this.reject(err);
  }

  /** Stop this verb's media on the channel (nothing by default). Must not throw. */
  protected async stopMedia(): Promise<void> {}

  protected resolve(value: T): void {
    if (this.settled) return;
    this.release();
    this.resolveResult(value);
  }

  protected reject(err: Error | AriError): void {
    if (this.settled) return;
    this.release();
    this.rejectResult(err);
  }

  /** A timer owned by this verb: cleared when the verb settles; a throw rejects the verb. */
  protected setTimer(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      if (this.timers.delete(timer)) countTimer(this.ctx.channelId, -1);
      if (this.settled) return;
      try {
        fn();
      } catch (err) {
        this.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }, ms);
    this.timers.add(timer);
    countTimer(this.ctx.channelId, 1);
    return timer;
  }

  protected clearTimer(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    if (this.timers.delete(timer)) countTimer(this.ctx.channelId, -1);
  }

  private release(): void {
    this.settled = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.timers.size > 0) countTimer(this.ctx.channelId, -this.timers.size);
    this.timers.clear();
  }
}
