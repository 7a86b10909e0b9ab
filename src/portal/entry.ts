/**
 * Where every call handed to the Stasis app starts: find the location, then the
 * login flow. The one place that turns failures into what the caller hears: a dependency
 * down → "temporarily unavailable"; a caller who stopped answering → "goodbye"; a hang-up →
 * nothing more.
 */
import type { Call } from '../ari/call';
import { CallEnded } from '../ari/errors';
import { PepperMismatch, StoreUnavailable } from '../store/errors';
import type { LoginOrigin } from '../store';
import type { Location, User } from '../store/types';
import type { CallOutcome } from '../metrics/portal-metrics';
import { callOutcomeOf } from './call-outcome';
import type { PortalDeps } from './deps';
import { deposit } from './deposit';
import { login } from './login';
import { CallerGaveUp, Session } from './session';

export async function handlePortalCall(call: Call, deps: PortalDeps): Promise<void> {
  const s = new Session(call, deps, call.language || 'en');
  let outcome: CallOutcome = 'completed';
  deps.metrics.callStarted();
  try {
    await call.answer();
    const [mode, target] = call.args;
    if (mode === 'deposit') {
      await deposit(s, target, call.args[2]);
      return;
    }
    const origin = callOrigin(call.args);
    // Both depend on the call alone: read together, one wait for Redis instead of two in a row.
    const [location, ownPhoneUser] = await Promise.all([findLocation(s, mode === 'portal' ? target : undefined), ownPhoneUserOf(s, origin)]);
    if (!location) {
      s.log.error('no location for this call', { args: call.args, extension: call.extension });
      await s.endWith('service-unavailable');
      return;
    }
    s.lang = location.language;
    await login(s, location, origin, ownPhoneUser);
  } catch (err) {
    outcome = callOutcomeOf(err);
    await endAfterError(s, err);
  } finally {
    await call.hangup().catch(() => undefined);
    deps.metrics.callEnded(outcome);
  }
}

/**
 * Issue #11 trust boundary: only the dialplan can say a call comes from the organisation's
 * own phones, with the third Stasis argument `internal` (`portal,<locationId>,internal`).
 * Anything else, or nothing, is untrusted: its caller ID proves nothing.
 */
export function callOrigin(args: readonly string[]): LoginOrigin {
  return { trusted: args[0] === 'portal' && args[2] === 'internal' };
}

/**
 * The user whose phone this is, for the own-phone login: only on a call the dialplan marked
 * trusted (issue #11), and only if its caller ID is a user's.
 */
async function ownPhoneUserOf(s: Session, origin: LoginOrigin): Promise<User | null> {
  const caller = s.call.callerNumber;
  return origin.trusted && caller ? s.deps.store.findUserByMailbox(caller) : null;
}

/** From the Stasis args `portal,<locationId>`, else from the dialled number or extension. */
async function findLocation(s: Session, locationId: string | undefined): Promise<Location | null> {
  if (locationId) return s.deps.store.getLocation(locationId);
  const dialled = s.call.extension.replace(/^\+/, '');
  if (!/^\d+$/.test(dialled)) return null;
  return s.deps.store.findLocationByPortal(dialled);
}

async function endAfterError(s: Session, err: unknown): Promise<void> {
  if (err instanceof CallEnded) {
    s.log.info('caller hung up');
    return;
  }
  try {
    if (err instanceof CallerGaveUp) {
      s.log.info('ending call', { why: err.message });
      await s.goodbye();
    } else if (err instanceof StoreUnavailable || err instanceof PepperMismatch) {
      s.log.error('store unavailable during a call', { error: err.message });
      await s.endWith('temporarily-unavailable');
    } else {
      s.log.error('unexpected error in call flow', { error: err instanceof Error ? err.stack : String(err) });
      await s.endWith('temporarily-unavailable');
    }
  } catch (inner) {
    if (!(inner instanceof CallEnded)) s.log.warn('could not end the call cleanly', { error: String(inner) });
  }
}
