/**
 * Rate limits of the API and the page (issue #15): a fixed one-minute window per key
 * (`token:<name>`, `user:<id>`, …), in this process's memory. Several API instances each
 * apply the limit (the effective limit is then per instance): the limits are a brake on a
 * runaway integration or a scripted page, not the PIN's protection, which lives in Redis
 * (lockout, throttle) and does not apply here because no API call verifies a PIN.
 */

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window of this key ends (for Retry-After). */
  retryAfterSec: number;
}

const WINDOW_MS = 60_000;
/** Past this many keys, windows already over are swept (bounded memory). */
const SWEEP_AT = 10_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Count one request for `key` against `limit` per minute. */
  take(key: string, limit: number): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    const retryAfterSec = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
    if (window.count >= limit) return { allowed: false, retryAfterSec };
    window.count++;
    return { allowed: true, retryAfterSec };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.start >= WINDOW_MS) this.windows.delete(key);
  }
}
