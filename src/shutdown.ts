/**
 * Graceful shutdown of the calls (SIGTERM / SIGINT, see main.ts):
 *
 * 1. From the moment `drain()` starts, a new call is answered, hears "The service is
 *    temporarily unavailable" and is hung up. (The application answers it rather than
 *    letting it continue in the dialplan: the shipped dialplan plays that prompt only when
 *    Stasis() *fails*, and a call that continues after Stasis hangs up without a word.)
 * 2. Calls in progress go on normally until they end or until the grace period is over.
 * 3. At the deadline, each call still in progress is cut off: the verb in flight is stopped
 *    (playback or recording included) through the engine, the flow unwinds as if the caller
 *    had hung up (every verb of its call rejects with CallEnded from then on), and the
 *    application itself plays "temporarily unavailable" and hangs up.
 *
 * The flows never learn about draining: each one runs against a `GuardedCall`, the real call
 * behind a switch that this module throws at the deadline.
 */
import type { AriEngine, Call, CallEndInfo, GatherOptions, GatherResult, PlayOptions, PlayResult, RecordOptions, RecordResult } from './ari';
import { CallEnded } from './ari';
import type { Logger } from './log';
import { promptMedia } from './portal/prompts';

/** What a refused or cut-off call hears (its language is the channel's). */
export const SHUTDOWN_MEDIA = promptMedia('temporarily-unavailable');

export interface DrainReport {
  /** Calls that ended by themselves within the grace period. */
  finished: number;
  /** Calls still in progress at the deadline: told "temporarily unavailable" and hung up. */
  cutOff: number;
  /** New calls that arrived while draining (told the same, never served). */
  refused: number;
}

/** The real call, until the switch is thrown: then every verb says the call has ended. */
class GuardedCall implements Call {
  cutOff = false;

  constructor(private readonly real: Call) {}

  get channelId(): string {
    return this.real.channelId;
  }
  get channelName(): string {
    return this.real.channelName;
  }
  get callerNumber(): string {
    return this.real.callerNumber;
  }
  get callerName(): string {
    return this.real.callerName;
  }
  get extension(): string {
    return this.real.extension;
  }
  get context(): string {
    return this.real.context;
  }
  get args(): readonly string[] {
    return this.real.args;
  }
  get language(): string {
    return this.real.language;
  }
  get isEnded(): boolean {
    return this.cutOff || this.real.isEnded;
  }
  get ended(): Promise<CallEndInfo> {
    return this.real.ended;
  }
  onEnd(listener: (info: CallEndInfo) => void): void {
    this.real.onEnd(listener);
  }

  answer(): Promise<void> {
    return this.guard(() => this.real.answer());
  }
  play(media: string | readonly string[], opts?: PlayOptions): Promise<PlayResult> {
    return this.guard(() => this.real.play(media, opts));
  }
  gather(opts: GatherOptions): Promise<GatherResult> {
    return this.guard(() => this.real.gather(opts));
  }
  record(opts: RecordOptions): Promise<RecordResult> {
    return this.guard(() => this.real.record(opts));
  }
  continueInDialplan(): Promise<void> {
    return this.guard(() => this.real.continueInDialplan());
  }
  /** Once cut off, the shutdown announcement still has to play: the gate hangs up after it. */
  async hangup(): Promise<void> {
    if (this.cutOff) return;
    await this.real.hangup();
  }

  private async guard<T>(verb: () => Promise<T>): Promise<T> {
    if (this.cutOff) throw new CallEnded(this.real.channelId);
    return verb();
  }
}

interface Served {
  guarded: GuardedCall;
  /** Settles when the flow and any shutdown announcement are over. */
  done: Promise<void>;
}

export class CallGate {
  private draining = false;
  private refused = 0;
  private readonly served = new Map<string, Served>();
  private readonly refusing = new Set<Promise<void>>();

  constructor(
    private readonly engine: () => Pick<AriEngine, 'interruptCall'>,
    private readonly logger: Logger,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /** Run `flow` on `call`, or refuse the call when draining. Never rejects. */
  serve(call: Call, flow: (call: Call) => Promise<void>): Promise<void> {
    if (this.draining) {
      this.refused += 1;
      const refusing = this.announceAndHangUp(call, true);
      this.refusing.add(refusing);
      void refusing.finally(() => this.refusing.delete(refusing));
      return refusing;
    }
    const guarded = new GuardedCall(call);
    const done = (async () => {
      try {
        await flow(guarded);
      } catch (err) {
        if (!(err instanceof CallEnded)) this.logger.error('call flow failed', { channel: call.channelId, error: String(err) });
      }
      if (guarded.cutOff) await this.announceAndHangUp(call, false);
    })();
    this.served.set(call.channelId, { guarded, done });
    void done.finally(() => this.served.delete(call.channelId));
    return done;
  }

  /** Number of calls being served (refused ones included while they hear the notice). */
  activeCalls(): number {
    return this.served.size + this.refusing.size;
  }

  /**
   * Stop taking calls; let those in progress finish for up to `graceMs`; then cut off the
   * rest. Resolves once every call is over (the cut-off ones after their announcement).
   */
  async drain(graceMs: number): Promise<DrainReport> {
    this.draining = true;
    const atStart = this.served.size;
    this.logger.warn('draining: new calls are refused; waiting for calls in progress', { calls: atStart, graceMs });
    const allDone = (): Promise<unknown> => Promise.allSettled([...[...this.served.values()].map((s) => s.done), ...this.refusing]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), graceMs);
    });
    const outcome = await Promise.race([allDone().then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    const remaining = outcome === 'deadline' ? [...this.served.values()] : [];
    if (remaining.length > 0) {
      this.logger.warn('grace period over: ending the calls still in progress', { calls: remaining.length });
      await Promise.allSettled(remaining.map((s) => this.cutOff(s)));
    }
    await allDone();
    return { finished: atStart - remaining.length, cutOff: remaining.length, refused: this.refused };
  }

  private async cutOff(served: Served): Promise<void> {
    served.guarded.cutOff = true;
    const err = new CallEnded(served.guarded.channelId);
    try {
      await this.engine().interruptCall(served.guarded.channelId, err);
    } catch (e) {
      this.logger.warn('could not interrupt a call at shutdown', { channel: served.guarded.channelId, error: String(e) });
    }
  }

  /** "The service is temporarily unavailable", then hang up; every failure is the call's end. */
  private async announceAndHangUp(call: Call, answerFirst: boolean): Promise<void> {
    try {
      if (answerFirst) await call.answer();
      await call.play(SHUTDOWN_MEDIA, { interruptible: false });
    } catch (err) {
      if (!(err instanceof CallEnded)) this.logger.warn('shutdown notice not played', { channel: call.channelId, error: String(err) });
    }
    await call.hangup().catch(() => undefined);
  }
}
