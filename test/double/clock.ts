/**
 * Simulated time: every Asterisk-side duration goes through `scale()`, and every timer the
 * double starts is tracked so that stopping "Asterisk" can cancel them all at once (a stopped
 * Asterisk must not emit a late PlaybackFinished into the next test).
 */
export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();

  constructor(readonly timeScale: number) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
  }

  /** Real milliseconds for `simMs` of Asterisk time. */
  scale(simMs: number): number {
    return simMs * this.timeScale;
  }

  /** Asterisk-time milliseconds elapsed between two real `Date.now()` values. */
  simElapsedMs(fromRealMs: number, toRealMs: number = Date.now()): number {
    return (toRealMs - fromRealMs) / this.timeScale;
  }

  /** Runs `fn` after `simMs` of Asterisk time; returns a cancel function. */
  after(simMs: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, this.scale(simMs)));
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Resolves after `simMs` of Asterisk time, or at once when cancelAll() runs meanwhile. */
  sleep(simMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        cancel();
        resolve();
      };
      const cancel = this.after(simMs, wake);
      this.sleepers.add(wake);
    });
  }

  /** Cancels every pending timer (Asterisk stopped); sleepers wake up so nothing hangs. */
  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}
