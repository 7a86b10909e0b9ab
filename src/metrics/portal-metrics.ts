/**
 * What the call flows report (issue #14, "Metrics"): a small interface injected in the
 * portal's deps, with a no-op default, so flows make one-line calls where events happen and
 * know nothing of Prometheus. Every argument is one of a few fixed words: no PIN, no caller
 * ID, no user id ever reaches a metric.
 */

/** How a login attempt ended, as the caller was told. `refused`: no PIN set, or refused by policy. */
export type LoginResult = 'ok' | 'invalid' | 'locked' | 'throttled' | 'refused';
export const LOGIN_RESULTS: readonly LoginResult[] = ['ok', 'invalid', 'locked', 'throttled', 'refused'];

/**
 * How a call served by the portal ended: the flow finished (`completed`), the caller hung up
 * (`caller-hangup`), stopped answering and heard goodbye (`gave-up`), or heard "temporarily
 * unavailable" because Redis was down (`unavailable`) or something failed (`error`).
 */
export type CallOutcome = 'completed' | 'caller-hangup' | 'gave-up' | 'unavailable' | 'error';
export const CALL_OUTCOMES: readonly CallOutcome[] = ['completed', 'caller-hangup', 'gave-up', 'unavailable', 'error'];

export interface PortalMetrics {
  /** A call entered the portal's flows (pair with callEnded). */
  callStarted(): void;
  callEnded(outcome: CallOutcome): void;
  /** A PIN or admin-passcode login attempt was answered. */
  login(result: LoginResult): void;
}

export const NO_METRICS: PortalMetrics = Object.freeze({
  callStarted: () => undefined,
  callEnded: () => undefined,
  login: () => undefined,
});
