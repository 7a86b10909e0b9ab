/**
 * The call as the portal flows see it: one channel in the Stasis app, a few promise-based
 * verbs, nothing about playback ids, WebSockets or ari-client. Flows are written against this
 * interface and can be tested with a fake implementing it.
 *
 * Rules every implementation keeps:
 * - Verbs run one at a time: calling a verb while another is pending rejects with `CallBusy`.
 * - Once the call has ended (StasisEnd, or Asterisk answering "Channel not found"), the pending
 *   verb rejects with `CallEnded` and later verbs reject at once with `CallEnded` without
 *   asking Asterisk. `hangup()` is the exception: it is idempotent and resolves, so clean-up
 *   code can call it unconditionally.
 * - ARI failures reject with `AriError` (`status`, `ariMessage`) or `AriUnavailable`.
 *
 * DTMF handling (the type-ahead buffer):
 * - Keys pressed while no verb is listening (between verbs, or during a gather's absence)
 *   are buffered and are the first digits of the next `gather()`.
 * - An interruptible `play()` stops at the first key; that key (and any typed after it) is
 *   buffered. An interruptible `play()` called while keys are already buffered is skipped:
 *   the caller has started typing, so the prompt is not started at all.
 * - Keys pressed during a NON-interruptible `play()` are discarded, as Asterisk's Playback()
 *   does: that prompt is one the caller must hear.
 * - Keys pressed during `record()` are never buffered (the terminating `#` arrives as a DTMF
 *   event just before RecordingFinished and must not reach the next gather).
 */

export interface PlayOptions {
  /** Stop at the first key pressed (barge-in); the key is kept for the next gather. */
  interruptible?: boolean;
  /** Language of the sound files (`en`, `fr`...). Default: the channel's language. */
  lang?: string;
  /**
   * Give up on a media item that has not finished after this long (default: the engine's
   * `playbackTimeoutMs`). Asterisk never sends PlaybackFinished for an unknown scheme or a
   * missing `recording:`, so every playback needs a bound. Pass the known duration plus a
   * margin when playing a long recording.
   */
  timeoutMs?: number;
}

export interface PlayResult {
  /**
   * done: every item played; interrupted: a key stopped it (or it was skipped because keys
   * were already buffered); failed: Asterisk could not play it (missing sound file);
   * timeout: no PlaybackFinished in time (unknown scheme, missing recording) - the playback
   * was stopped; the flow should apologise.
   */
  endedBy: 'done' | 'interrupted' | 'failed' | 'timeout';
  /** The key that interrupted the prompt (it stays buffered for the next gather). */
  interruptedBy?: string;
  /** Shorthand for `endedBy === 'timeout'`. */
  timedOut?: boolean;
}

export interface GatherOptions {
  /** Stop after this many digits (the terminator is not counted). */
  maxDigits: number;
  /** Key that ends the entry and is not part of it. Default '#'; null: no terminator. */
  terminator?: string | null;
  /** How long to wait for the first key (when nothing is buffered). */
  firstDigitTimeoutMs: number;
  /** How long to wait for each following key. */
  interDigitTimeoutMs: number;
}

export interface GatherResult {
  /**
   * The keys typed, in order, without the terminator. `*` is returned as an ordinary key (the
   * portal uses it: "not your own phone", "start again"); flows interpret it.
   */
  digits: string;
  /** terminator: the terminator key; max: maxDigits reached; timeout: inter-digit (or first
   *  digit) timeout after at least one key; none: nothing typed before the first-digit timeout. */
  endedBy: 'terminator' | 'max' | 'timeout' | 'none';
  /**
   * The events socket was lost while this entry was being typed (or its keys waited in the
   * buffer): keys typed meanwhile never arrived, so `digits` may be only part of what the
   * caller typed. The entry went on after the socket came back (its timeout paused while
   * nothing could be heard), so the rest of it is in `digits` too, not left for the next one.
   */
  keysLost?: true;
}

export interface RecordOptions {
  /** Stored recording name; slashes make sub-directories (`voice-portal/vm/1001/msg1`). */
  name: string;
  /** Longest recording, seconds. */
  maxSeconds: number;
  /** End after this many seconds of silence; 0 or undefined: no silence detection. */
  maxSilenceSeconds?: number;
  /** Play a beep before recording starts. */
  beep?: boolean;
  /** Key that ends the recording (default '#'); it is swallowed, never buffered. */
  terminateOn?: '#' | '*' | 'any' | 'none';
  /** Audio format (default 'wav'). */
  format?: string;
  /** What to do when a recording with that name exists (ARI default: fail with 409). */
  ifExists?: 'fail' | 'overwrite' | 'append';
}

export interface RecordResult {
  name: string;
  /** Duration Asterisk reports, whole seconds. */
  durationSec: number;
  /**
   * Asterisk's `talking_duration` (whole seconds; sent only when maxSilenceSeconds is set):
   * the recording's length less the silence its detector measured. Asterisk takes silence off
   * in whole seconds and keeps 0.2 s of it, so a recording with no speech at all reports 0
   * or 1 (1 when a silence of maxSilenceSeconds ended it).
   */
  talkingSec?: number;
  /**
   * How it ended. The rule (Asterisk's RecordingFinished says only "done"):
   * terminator - the terminateOn key was received during the recording;
   * hangup - the caller hung up (ChannelHangupRequest came before RecordingFinished);
   *          the recording is kept by Asterisk and still usable;
   * silence - silence detection was on and the recording stopped before maxSeconds with
   *           no key and no hang-up (Asterisk's `silence_duration` cannot tell: it is what is
   *           left after the trailing silence was cut off, about 0);
   * max - everything else (duration ≥ maxSeconds, or no silence detection).
   */
  endedBy: 'terminator' | 'max' | 'silence' | 'hangup';
}

export interface CallEndInfo {
  /** stasis-end: Asterisk sent StasisEnd; gone: Asterisk no longer knows the channel
   *  (404 on a request, or missing from the app after a reconnect - its StasisEnd was lost). */
  reason: 'stasis-end' | 'gone';
}

export interface Call {
  /** Asterisk channel id (unique id). */
  readonly channelId: string;
  /** Channel name, e.g. `PJSIP/1001-000000f3`. */
  readonly channelName: string;
  /** Caller ID number ('' when anonymous) and name. */
  readonly callerNumber: string;
  readonly callerName: string;
  /** Dialled extension (dialplan `exten`) and context. */
  readonly extension: string;
  readonly context: string;
  /** Stasis arguments, e.g. ['portal', 'paris'] for `Stasis(voice-portal,portal,paris)`. */
  readonly args: readonly string[];
  /** Channel language, e.g. `en`. */
  readonly language: string;

  /** True once the call has ended. */
  readonly isEnded: boolean;
  /** Resolves (never rejects) when the call has ended. */
  readonly ended: Promise<CallEndInfo>;
  /** Runs `listener` when the call ends (at once if it already has). */
  onEnd(listener: (info: CallEndInfo) => void): void;

  answer(): Promise<void>;
  /** Play one media URI or a list (one Asterisk playback for the whole list, in order). */
  play(media: string | readonly string[], opts?: PlayOptions): Promise<PlayResult>;
  gather(opts: GatherOptions): Promise<GatherResult>;
  record(opts: RecordOptions): Promise<RecordResult>;
  /** Hang up. Idempotent: resolves if the call has already ended. */
  hangup(): Promise<void>;
  /** Leave Stasis and resume the dialplan at the next priority. */
  continueInDialplan(): Promise<void>;
}
