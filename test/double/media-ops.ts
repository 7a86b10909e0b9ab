/**
 * The operations a Stasis channel runs one after another, like Asterisk's per-channel control
 * queue (res_stasis): playbacks, recordings and `continue` wait for the one before them to end.
 * Event sequences follow the captures (README §3, §5 and the supplement).
 */
import type { CallLogEntry } from './control';
import type { SimClock } from './clock';
import type { MediaOutcome, SoundCatalogue } from './sounds';
import { asteriskTimestamp, type EventBody, type LiveRecordingJson, type PlaybackJson, type PlaybackState, type RecordingState } from './wire';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A log entry; `at` defaults to now, or is the instant a figure in the entry was taken at. */
export type LogInput = DistributiveOmit<CallLogEntry, 'at'> & { at?: number };

/** What an operation may use of its channel and of the rest of "Asterisk". */
export interface MediaContext {
  readonly id: string;
  readonly clock: SimClock;
  readonly sounds: SoundCatalogue;
  emit(body: EventBody): void;
  log(entry: LogInput): void;
  /** Duration in seconds of a stored recording, undefined when there is none. */
  storedRecordingSec(name: string): number | undefined;
  storeRecording(name: string, format: string, durationSec: number, append: boolean): void;
  forgetPlayback(op: PlaybackOp): void;
  forgetRecording(op: RecordingOp): void;
  /** Asterisk-time ms the caller talked between two real times. */
  talkingMsBetween(fromReal: number, toReal: number): number;
  /** Real time until which the caller is talking (≤ now when silent). */
  speakingUntil(): number;
  leaveStasis(by: 'continue'): void;
}

export interface MediaOp {
  readonly kind: 'playback' | 'recording' | 'continue';
  /** Reached the head of the queue; calls `done` once it is over. */
  run(done: () => void): void;
  /** The channel is being hung up while this op runs: send what Asterisk sends. */
  hangup(): void;
  /** The channel is gone (after hangup() for the running op, or Asterisk stopped): forget
   *  timers and registrations, send nothing. */
  drop(): void;
}

/* ----------------------------------------------------------------------------------------- */

export class PlaybackOp implements MediaOp {
  readonly kind = 'playback';
  state: PlaybackState = 'queued';
  private index = 0;
  private running = false;
  private canceled = false;
  private cancelTimer: (() => void) | undefined;
  private done: (() => void) | undefined;

  constructor(
    private readonly ctx: MediaContext,
    readonly id: string,
    readonly mediaUris: string[],
    readonly language: string,
  ) {}

  json(): PlaybackJson {
    const next = this.mediaUris[this.index + 1];
    return {
      id: this.id,
      media_uri: this.mediaUris[this.index],
      ...(next !== undefined ? { next_media_uri: next } : {}),
      target_uri: `channel:${this.ctx.id}`,
      language: this.language,
      state: this.state,
    };
  }

  run(done: () => void): void {
    this.done = done;
    if (this.canceled) {
      // A playback deleted while queued: no PlaybackStarted, a PlaybackFinished `done` when
      // its turn comes (README §3 "Stopping playback").
      this.state = 'done';
      this.emit('PlaybackFinished');
      this.ctx.log({ kind: 'media-finished', playbackId: this.id, uri: this.mediaUris[0], outcome: 'canceled' });
      this.finish();
      return;
    }
    this.running = true;
    this.playItem();
  }

  /** DELETE /playbacks/{id}. */
  stop(): void {
    this.ctx.forgetPlayback(this);
    if (!this.running) {
      this.canceled = true;
      return;
    }
    this.endWith('done', 'stopped');
  }

  hangup(): void {
    if (this.running) this.endWith('failed', 'failed', false);
  }

  drop(): void {
    this.cancelTimer?.();
    this.running = false;
    this.ctx.forgetPlayback(this);
  }

  private playItem(): void {
    const uri = this.mediaUris[this.index];
    const outcome = this.resolve(uri);
    this.state = 'playing';
    this.emit('PlaybackStarted');
    this.ctx.log({
      kind: 'media-started',
      playbackId: this.id,
      uri,
      lang: this.language,
      ...(outcome.kind === 'plays' ? { playedLang: outcome.playedLang } : {}),
    });
    if (outcome.kind === 'missing') {
      this.endWith('failed', 'failed');
    } else if (outcome.kind === 'skipped') {
      // Asterisk logs an ERROR and `continue`s: no PlaybackFinished for this item, the next
      // item (or the next queued operation) starts at once.
      if (this.index + 1 < this.mediaUris.length) {
        this.index++;
        this.playItem();
      } else {
        this.running = false;
        this.ctx.forgetPlayback(this);
        this.finish();
      }
    } else if (Number.isFinite(outcome.durationMs)) {
      this.cancelTimer = this.ctx.clock.after(outcome.durationMs, () => this.itemEnded());
    }
    // else a `tone:` that plays until stopped
  }

  private itemEnded(): void {
    this.cancelTimer = undefined;
    if (this.index + 1 < this.mediaUris.length) {
      this.state = 'continuing';
      this.emit('PlaybackContinuing');
      this.index++;
      this.playItem();
    } else {
      this.endWith('done', 'done');
    }
  }

  private endWith(state: 'done' | 'failed', outcome: 'done' | 'stopped' | 'failed', next = true): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.running = false;
    this.state = state;
    this.emit('PlaybackFinished');
    this.ctx.log({ kind: 'media-finished', playbackId: this.id, uri: this.mediaUris[this.index], outcome });
    this.ctx.forgetPlayback(this);
    if (next) this.finish();
  }

  private finish(): void {
    const done = this.done;
    this.done = undefined;
    done?.();
  }

  private emit(type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished'): void {
    this.ctx.emit({ type, timestamp: asteriskTimestamp(), playback: this.json() });
  }

  private resolve(uri: string): MediaOutcome {
    const colon = uri.indexOf(':');
    const scheme = colon < 0 ? '' : uri.slice(0, colon);
    const value = colon < 0 ? '' : uri.slice(colon + 1);
    switch (scheme) {
      case 'sound':
        return this.ctx.sounds.sound(value, this.language);
      case 'recording': {
        const seconds = this.ctx.storedRecordingSec(value);
        // A recording plays whatever the channel language; README supplement: language `en`.
        return seconds === undefined ? { kind: 'skipped' } : { kind: 'plays', durationMs: seconds * 1000, playedLang: this.language };
      }
      case 'digits':
      case 'number':
      case 'characters':
        return this.ctx.sounds.say(scheme, value, this.language);
      case 'tone':
        return { kind: 'plays', durationMs: Infinity, playedLang: this.language };
      default:
        return { kind: 'skipped' };
    }
  }
}

/* ----------------------------------------------------------------------------------------- */

export interface RecordingRequest {
  name: string;
  format: string;
  maxDurationSeconds: number;
  maxSilenceSeconds: number;
  beep: boolean;
  terminateOn: string;
  append: boolean;
}

/**
 * The beep before a recording, Asterisk time. The captures disagree (README §5 says ~1 s, the
 * probe and the supplement measured 4-10 ms between the request and RecordingStarted); the
 * double follows the measurements: a short delay, and the 201 body says `queued`.
 */
export const BEEP_DELAY_MS = 10;

type EndedBy = 'terminator' | 'max-duration' | 'silence' | 'hangup' | 'stopped';

export class RecordingOp implements MediaOp {
  readonly kind = 'recording';
  state: RecordingState = 'queued';
  private startedAt = 0;
  private readonly cancels: Array<() => void> = [];
  private cancelSilence: (() => void) | undefined;
  private done: (() => void) | undefined;

  constructor(
    private readonly ctx: MediaContext,
    readonly req: RecordingRequest,
  ) {}

  get name(): string {
    return this.req.name;
  }

  json(): LiveRecordingJson {
    return { name: this.req.name, format: this.req.format, state: this.state, target_uri: `channel:${this.ctx.id}` };
  }

  run(done: () => void): void {
    if (this.state === 'canceled') {
      done(); // stopped or canceled while still queued
      return;
    }
    this.done = done;
    if (this.req.beep) this.cancels.push(this.ctx.clock.after(BEEP_DELAY_MS, () => this.begin()));
    else this.begin();
  }

  /** A key the caller pressed (its ChannelDtmfReceived has already been sent). */
  onDtmf(digit: string): void {
    if (this.state !== 'recording') return;
    const t = this.req.terminateOn;
    if (t === 'any' || (t !== 'none' && t.includes(digit))) this.finish('terminator');
  }

  /** The caller started or stopped talking: silence detection starts over. */
  onSpeech(): void {
    if (this.state === 'recording' && this.req.maxSilenceSeconds > 0) this.armSilence();
  }

  /** POST /recordings/live/{name}/stop: ends it, the file is kept. */
  stop(): void {
    if (this.state === 'recording') this.finish('stopped');
    else if (this.state === 'queued') this.cancel();
  }

  /** DELETE /recordings/live/{name}: ends it and discards the file. */
  cancel(): void {
    this.clearTimers();
    const wasRecording = this.state === 'recording';
    this.state = 'canceled';
    this.ctx.forgetRecording(this);
    if (wasRecording) {
      this.ctx.emit({ type: 'RecordingFinished', timestamp: asteriskTimestamp(), recording: this.json() });
      this.ctx.log({ kind: 'recording-finished', name: this.name, durationSec: 0, endedBy: 'stopped' });
    }
    this.next();
  }

  hangup(): void {
    // README supplement: hang-up during a recording → RecordingFinished `done`, file kept.
    if (this.state === 'recording') this.finish('hangup', false);
    else this.clearTimers();
  }

  drop(): void {
    this.clearTimers();
    // Asterisk writes the file as it records: a recording cut by a stop keeps what it had.
    if (this.state === 'recording') {
      this.state = 'done';
      this.ctx.storeRecording(this.name, this.req.format, this.ctx.clock.simElapsedMs(this.startedAt) / 1000, this.req.append);
    }
    this.ctx.forgetRecording(this);
  }

  private begin(): void {
    this.state = 'recording';
    this.startedAt = Date.now();
    this.ctx.emit({ type: 'RecordingStarted', timestamp: asteriskTimestamp(), recording: this.json() });
    this.ctx.log({ kind: 'recording-started', name: this.name, at: this.startedAt });
    if (this.req.maxDurationSeconds > 0) {
      this.cancels.push(this.ctx.clock.after(this.req.maxDurationSeconds * 1000, () => this.finish('max-duration')));
    }
    if (this.req.maxSilenceSeconds > 0) this.armSilence();
  }

  private armSilence(): void {
    this.cancelSilence?.();
    const now = Date.now();
    const silentFromReal = Math.max(this.startedAt, this.ctx.speakingUntil());
    // While the caller talks, the silence clock only starts when they stop.
    const silentSoFarMs = silentFromReal > now ? -this.ctx.clock.simElapsedMs(now, silentFromReal) : this.ctx.clock.simElapsedMs(silentFromReal, now);
    this.cancelSilence = this.ctx.clock.after(this.req.maxSilenceSeconds * 1000 - silentSoFarMs, () => this.finish('silence'));
  }

  private finish(endedBy: EndedBy, next = true): void {
    this.clearTimers();
    const now = Date.now();
    const { endReal, elapsedSec } = this.timedEnd(endedBy) ?? { endReal: now, elapsedSec: this.ctx.clock.simElapsedMs(this.startedAt, now) / 1000 };
    // Asterisk trims the trailing silence that ended a recording (keeping 200 ms of it).
    const keptSec = endedBy === 'silence' ? Math.max(0, elapsedSec - this.req.maxSilenceSeconds + 0.2) : elapsedSec;
    this.state = 'done';
    this.ctx.storeRecording(this.name, this.req.format, keptSec, this.req.append);
    this.ctx.forgetRecording(this);
    const recording: LiveRecordingJson = { ...this.json(), ...this.reportedDurations(elapsedSec, endReal) };
    this.ctx.emit({ type: 'RecordingFinished', timestamp: asteriskTimestamp(), recording });
    this.ctx.log({ kind: 'recording-finished', name: this.name, durationSec: recording.duration ?? 0, endedBy, at: endReal });
    if (next) this.next();
  }

  /**
   * Asterisk stops a recording at maxDurationSeconds, or once the silence has lasted
   * maxSilenceSeconds, exactly: its figures are those of that instant, whenever our timer ran
   * (late on a busy machine, or a millisecond early by Date.now(): timers run on another
   * clock, which reported 2 s for a 3 s maximum and 0 s for a 3 s silence). Undefined for
   * an end no timer decides (a key, a hang-up, a stop). Only a bound above 0 arms its timer.
   */
  private timedEnd(endedBy: EndedBy): { endReal: number; elapsedSec: number } | undefined {
    if (endedBy === 'max-duration') {
      const maxSec = this.req.maxDurationSeconds;
      return { endReal: this.startedAt + this.ctx.clock.scale(maxSec * 1000), elapsedSec: maxSec };
    }
    if (endedBy === 'silence') {
      const silentFromReal = Math.max(this.startedAt, this.ctx.speakingUntil());
      const silenceMs = this.req.maxSilenceSeconds * 1000;
      return {
        endReal: silentFromReal + this.ctx.clock.scale(silenceMs),
        elapsedSec: (this.ctx.clock.simElapsedMs(this.startedAt, silentFromReal) + silenceMs) / 1000,
      };
    }
    return undefined;
  }

  /**
   * The figures of RecordingFinished, computed as Asterisk's __ast_play_and_record (main/app.c)
   * does, in whole seconds: `duration` = the seconds written (floor) less the trailing silence
   * the detector measured, `(silence − 200 ms) / 1000` truncated; `talking_duration` the same
   * seconds less all the silence measured, the same way (at least 0); `silence_duration` =
   * duration − talking_duration. Without silence detection: the seconds written, no talking
   * figures. So a recording with no speech at all reports talking 0 or 1 (1 when a silence of
   * exactly maxSilenceSeconds ended it: 5 s written less 4 s).
   */
  private reportedDurations(elapsedSec: number, endReal: number): Pick<LiveRecordingJson, 'duration' | 'talking_duration' | 'silence_duration'> {
    const written = Math.floor(elapsedSec);
    if (!(this.req.maxSilenceSeconds > 0)) return { duration: written };
    const elapsedMs = elapsedSec * 1000;
    const talkingMs = Math.min(elapsedMs, this.ctx.talkingMsBetween(this.startedAt, endReal));
    const speakingUntil = this.ctx.speakingUntil();
    const trailingMs = speakingUntil >= endReal ? 0 : Math.min(elapsedMs, this.ctx.clock.simElapsedMs(Math.max(this.startedAt, speakingUntil), endReal));
    const off = (silenceMs: number): number => (silenceMs > 0 ? Math.trunc((silenceMs - 200) / 1000) : 0);
    const duration = Math.max(0, written - off(trailingMs));
    const talking = Math.max(0, written - off(elapsedMs - talkingMs));
    return { duration, talking_duration: talking, silence_duration: duration - talking };
  }

  private clearTimers(): void {
    for (const cancel of this.cancels.splice(0)) cancel();
    this.cancelSilence?.();
    this.cancelSilence = undefined;
  }

  private next(): void {
    const done = this.done;
    this.done = undefined;
    done?.();
  }
}

/* ----------------------------------------------------------------------------------------- */

/** POST /channels/{id}/continue: leaves Stasis once the operations queued before it are over. */
export class ContinueOp implements MediaOp {
  readonly kind = 'continue';
  constructor(private readonly ctx: MediaContext) {}
  run(): void {
    this.ctx.leaveStasis('continue');
  }
  hangup(): void {}
  drop(): void {}
}
