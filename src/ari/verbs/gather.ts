/**
 * gather(): collect keys with first-digit and inter-digit timeouts. Keys typed ahead (during
 * an interrupted prompt or between verbs) count first. No ARI request is made: DTMF arrives
 * as ChannelDtmfReceived events.
 *
 * While the events socket is down no key can be heard, so no timeout may end the entry: a
 * PIN typed across a reconnect would be cut into two wrong entries. The timeout is paused
 * (a watchdog bounds the wait) and starts afresh once the socket is back; the result then
 * says `keysLost`.
 */
import type { GatherOptions, GatherResult } from '../call';
import { VerbTask, type DtmfDisposition, type VerbContext } from '../verb';

/** Longest wait for the events socket to come back before the entry ends as it stands. */
export const DEAF_GATHER_LIMIT_MS = 30_000;

export class GatherVerb extends VerbTask<GatherResult> {
  private digits = '';
  /** Keys taken so far (a timeout only ends the entry if none came since it was armed). */
  private keysTaken = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly terminator: string | null;

  constructor(
    ctx: VerbContext,
    private readonly opts: GatherOptions,
  ) {
    super('gather', ctx);
    this.terminator = opts.terminator === undefined ? '#' : opts.terminator;
    if (!Number.isInteger(opts.maxDigits) || opts.maxDigits < 1) {
      throw new RangeError(`gather: maxDigits must be a positive integer, got ${opts.maxDigits}`);
    }
  }

  start(): void {
    // Keys left over after this gather ends stay buffered for the next one.
    while (!this.isSettled && this.ctx.typeAhead.length > 0) {
      this.accept(this.ctx.typeAhead.shift() as string);
    }
    if (!this.isSettled) this.armTimer();
  }

  override onDtmf(digit: string): DtmfDisposition {
    if (this.isSettled) return 'buffer';
    this.accept(digit);
    return 'consumed';
  }

  override onEventsLost(): void {
    if (this.isSettled) return;
    this.clearTimer(this.timer);
    this.timer = this.setTimer(DEAF_GATHER_LIMIT_MS, () => this.timedOut());
  }

  override onResync(): void {
    if (!this.isSettled) this.armTimer();
  }

  private accept(digit: string): void {
    if (this.terminator !== null && digit === this.terminator) {
      this.finish('terminator');
      return;
    }
    this.keysTaken += 1;
    this.digits += digit;
    if (this.digits.length >= this.opts.maxDigits) this.finish('max');
    else this.armTimer();
  }

  private armTimer(): void {
    this.clearTimer(this.timer);
    const first = this.digits.length === 0;
    const taken = this.keysTaken;
    this.timer = this.setTimer(first ? this.opts.firstDigitTimeoutMs : this.opts.interDigitTimeoutMs, () => {
      // Node runs due timers before it reads the sockets: after the event loop was held up
      // (a busy process), a key that arrived in time may still be unread. Decide once this
      // turn's input has been read; a key taken meanwhile re-armed the wait.
      setImmediate(() => {
        if (!this.isSettled && this.keysTaken === taken) this.timedOut();
      });
    });
  }

  private timedOut(): void {
    this.finish(this.digits.length === 0 ? 'none' : 'timeout');
  }

  private finish(endedBy: GatherResult['endedBy']): void {
    // Never the digits themselves: they may be a PIN.
    const lost = this.ctx.takeKeysLost() ? ({ keysLost: true } as const) : {};
    this.ctx.logger.debug('gather ended', { endedBy, digitCount: this.digits.length, ...lost });
    this.resolve({ digits: this.digits, endedBy, ...lost });
  }
}
