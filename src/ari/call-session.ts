/**
 * The `Call` implementation: one per channel that entered Stasis. It owns the verb in flight,
 * the type-ahead buffer and the end-of-call state; the engine feeds it the channel's events.
 * It registers nothing on the ari-client client (the engine routes events by channel id), so
 * the end of a call leaves no listener behind.
 */
import type { Logger } from '../log';
import type { Call, CallEndInfo, GatherOptions, GatherResult, PlayOptions, PlayResult, RecordOptions, RecordResult } from './call';
import { AriError, CallBusy, CallEnded, isChannelGone } from './errors';
import { VerbTask, type CallRest, type PlaybackEvent, type RecordingEvent, type VerbContext, type VerbSettings } from './verb';
import { KeyToRequestTimer } from './key-latency';
import { GatherVerb } from './verbs/gather';
import { PlayVerb } from './verbs/play';
import { RecordVerb } from './verbs/record';

/** Fields of ARI's Channel JSON that a call is built from. */
export interface AriChannelJson {
  id: string;
  name: string;
  state?: string;
  language?: string;
  caller?: { name?: string; number?: string };
  dialplan?: { context?: string; exten?: string; app_name?: string; app_data?: string };
}

/** What the session needs of the verb in flight, whatever its result type. */
type RunningVerb = Pick<VerbTask<unknown>, 'kind' | 'onDtmf' | 'onPlayback' | 'onRecording' | 'onHangupRequest' | 'onEventsLost' | 'onResync' | 'kill' | 'interrupt'>;

/** Keys kept for a gather at most; a caller leaning on the keypad must not grow memory. */
const TYPE_AHEAD_LIMIT = 64;

/** A REST request run as a verb (answer, continue): it only waits for Asterisk's reply. */
class RestVerb extends VerbTask<void> {
  constructor(
    kind: string,
    ctx: VerbContext,
    private readonly request: () => Promise<void>,
  ) {
    super(kind, ctx);
  }
  start(): void {
    this.request().then(
      () => this.resolve(),
      (err: AriError) => this.reject(err),
    );
  }
}

export class CallSession implements Call {
  readonly channelId: string;
  readonly channelName: string;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly extension: string;
  readonly context: string;
  readonly args: readonly string[];
  readonly language: string;
  readonly ended: Promise<CallEndInfo>;

  private readonly ctx: VerbContext;
  private readonly typeAhead: string[] = [];
  private active: RunningVerb | undefined;
  private endInfo: CallEndInfo | undefined;
  private hangupSeen = false;
  /** The events socket was lost while an entry was under way (see VerbContext.takeKeysLost). */
  private keysLost = false;
  /** The DELETE /channels in flight or accepted (see hangup()). */
  private hangingUp: Promise<void> | undefined;
  private resolveEnded!: (info: CallEndInfo) => void;
  private readonly endListeners: ((info: CallEndInfo) => void)[] = [];
  private readonly keyTimer: KeyToRequestTimer;
  private readonly rest: CallRest;

  constructor(
    channel: AriChannelJson,
    args: readonly string[],
    rest: CallRest,
    readonly logger: Logger,
    settings: VerbSettings,
    /** Told once when the call ends, so the engine forgets it. */
    private readonly onFinished: (call: CallSession) => void,
  ) {
    this.keyTimer = new KeyToRequestTimer(settings.onKeyToRequest);
    this.rest = this.keyTimer.wrap(rest);
    this.channelId = channel.id;
    this.channelName = channel.name;
    this.callerNumber = channel.caller?.number ?? '';
    this.callerName = channel.caller?.name ?? '';
    this.extension = channel.dialplan?.exten ?? '';
    this.context = channel.dialplan?.context ?? '';
    this.args = Object.freeze([...args]);
    this.language = channel.language || 'en';
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    this.ctx = {
      channelId: this.channelId,
      language: this.language,
      rest: this.rest,
      logger,
      settings,
      typeAhead: this.typeAhead,
      hangupRequested: () => this.hangupSeen,
      takeKeysLost: () => {
        const lost = this.keysLost;
        this.keysLost = false;
        return lost;
      },
    };
  }

  get isEnded(): boolean {
    return this.endInfo !== undefined;
  }

  onEnd(listener: (info: CallEndInfo) => void): void {
    if (this.endInfo) this.notify(listener, this.endInfo);
    else this.endListeners.push(listener);
  }

  answer(): Promise<void> {
    return this.run(() => new RestVerb('answer', this.ctx, () => this.rest.answer(this.channelId)));
  }

  play(media: string | readonly string[], opts: PlayOptions = {}): Promise<PlayResult> {
    return this.run(() => new PlayVerb(this.ctx, media, { lang: this.language, ...opts }));
  }

  gather(opts: GatherOptions): Promise<GatherResult> {
    return this.run(() => new GatherVerb(this.ctx, opts));
  }

  record(opts: RecordOptions): Promise<RecordResult> {
    return this.run(() => new RecordVerb(this.ctx, opts));
  }

  continueInDialplan(): Promise<void> {
    return this.run(() => new RestVerb('continueInDialplan', this.ctx, () => this.rest.continueInDialplan(this.channelId)));
  }

  /**
   * Idempotent, and allowed while a verb runs: StasisEnd will kill that verb. One DELETE per
   * call: the flow's goodbye, the entry's clean-up and the engine's safety net each call this,
   * usually before the StasisEnd of the first one has arrived; they share that one request
   * instead of each sending another that Asterisk answers 404 (npm run bench -- compare
   * counted 1.3 DELETEs per call). A failed request is forgotten, so a later call retries.
   */
  hangup(): Promise<void> {
    if (this.endInfo) return Promise.resolve();
    this.hangingUp ??= this.requestHangup().catch((err: unknown) => {
      this.hangingUp = undefined;
      throw err;
    });
    return this.hangingUp;
  }

  private async requestHangup(): Promise<void> {
    try {
      await this.rest.hangup(this.channelId);
    } catch (err) {
      if (err instanceof AriError && isChannelGone(err)) {
        this.end({ reason: 'gone' });
        return;
      }
      throw err;
    }
  }

  /**
   * Shutdown (engine.interruptCall): stop the verb in flight, media included, and reject it
   * with `err`; the call stays up and the next verb runs normally. Nothing if no verb runs.
   */
  async interrupt(err: Error): Promise<void> {
    if (this.endInfo) return;
    await this.active?.interrupt(err);
  }

  // ---- events from the engine -------------------------------------------------------------

  handleDtmf(digit: string): void {
    if (this.endInfo) return;
    this.keyTimer.markKey();
    const disposition = this.active?.onDtmf(digit) ?? 'buffer';
    if (disposition !== 'buffer') return;
    this.typeAhead.push(digit);
    if (this.typeAhead.length > TYPE_AHEAD_LIMIT) this.typeAhead.shift();
  }

  handlePlayback(event: PlaybackEvent): void {
    this.active?.onPlayback(event);
  }

  handleRecording(event: RecordingEvent): void {
    this.active?.onRecording(event);
  }

  /**
   * The engine lost the events socket. An entry under way (a gather running, or keys waiting
   * for the next one) is missing whatever the caller types until the socket is back.
   */
  eventsLost(): void {
    if (this.endInfo) return;
    if (this.active?.kind === 'gather' || this.typeAhead.length > 0) this.keysLost = true;
    this.active?.onEventsLost();
  }

  /** The engine reconnected: the verb in flight may have missed its events. */
  resync(): void {
    if (this.endInfo) return;
    this.active?.onResync();
  }

  handleHangupRequest(): void {
    this.hangupSeen = true;
    this.active?.onHangupRequest();
  }

  /**
   * The call is over: reject the verb in flight with CallEnded, drop buffered keys, resolve
   * `ended`, tell the listeners and the engine. Only the first call counts.
   */
  end(info: CallEndInfo): void {
    if (this.endInfo) return;
    this.endInfo = info;
    this.active?.kill(new CallEnded(this.channelId));
    this.active = undefined;
    this.typeAhead.length = 0;
    this.logger.info('call ended', { reason: info.reason });
    this.resolveEnded(info);
    for (const listener of this.endListeners.splice(0)) this.notify(listener, info);
    this.onFinished(this);
  }

  private notify(listener: (info: CallEndInfo) => void, info: CallEndInfo): void {
    try {
      listener(info);
    } catch (err) {
      this.logger.error('onEnd listener threw', { error: (err as Error).message });
    }
  }

  /** Run one verb; `make` may throw (bad options): that becomes the rejection. */
  private async run<T>(make: () => VerbTask<T>): Promise<T> {
    if (this.endInfo) throw new CallEnded(this.channelId);
    const verb = make();
    if (this.active) throw new CallBusy(this.channelId, this.active.kind, verb.kind);
    this.active = verb;
    try {
      verb.start();
      return await verb.result;
    } catch (err) {
      if (err instanceof AriError && isChannelGone(err)) {
        // Asterisk no longer has the channel: its StasisEnd was lost (socket gap) or is late.
        this.end({ reason: 'gone' });
        throw new CallEnded(this.channelId);
      }
      throw err;
    } finally {
      if (this.active === verb) this.active = undefined;
    }
  }
}
