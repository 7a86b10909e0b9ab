/**
 * Real time this process has lost to stalls since it was made: its event loop held up, or the
 * process not scheduled at all on a busy machine (CI once lost 8 s in one 0.2 s test). Every
 * timer of the double ran that much late too, so a test's wall-clock upper bound adds
 * `lostMs()`: a stalled machine cannot fail it, a double that is itself slow still does.
 */
export class StallMeter {
  private static readonly TICK_MS = 5;
  /** A tick later than this is a stall; below it, ordinary timer jitter the bounds allow for. */
  private static readonly JITTER_MS = 15;
  private lost = 0;
  private stopped = false;
  private last = performance.now();
  private readonly timer = setInterval(() => {
    this.lost += this.lateness(performance.now());
    this.last = performance.now();
  }, StallMeter.TICK_MS).unref();

  /** Milliseconds lost so far, counting a stall still in progress; after stop(), up to it. */
  lostMs(): number {
    return this.stopped ? this.lost : this.lost + this.lateness(performance.now());
  }

  stop(): void {
    this.lost = this.lostMs();
    this.stopped = true;
    clearInterval(this.timer);
  }

  private lateness(now: number): number {
    const late = now - this.last - StallMeter.TICK_MS;
    return late > StallMeter.JITTER_MS ? late : 0;
  }
}
