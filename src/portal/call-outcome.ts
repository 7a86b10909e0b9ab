/** The metric word for how a call's flow ended (src/metrics/portal-metrics.ts). */
import { CallEnded } from '../ari/errors';
import type { CallOutcome } from '../metrics/portal-metrics';
import { PepperMismatch, StoreUnavailable } from '../store/errors';
import { CallerGaveUp } from './session';

export function callOutcomeOf(err: unknown): CallOutcome {
  if (err instanceof CallEnded) return 'caller-hangup';
  if (err instanceof CallerGaveUp) return 'gave-up';
  if (err instanceof StoreUnavailable || err instanceof PepperMismatch) return 'unavailable';
  return 'error';
}
