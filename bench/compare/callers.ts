/**
 * The callers, played through the double's control API in the benchmark's own process. Every
 * call is a login from the user's own phone (Stasis args `portal,<loc>,internal`): wait for
 * the welcome, type the PIN and `#`, wait for the main menu, press `9`, and the app hangs up
 * after the goodbye. The floor gets the very same calls.
 */
import type { AsteriskDouble, SimCall } from '../../test/double';
import { within } from '../../test/support/within';

export const PORTAL_EXTENSION = '8000';
export const LOCATION = 'paris';
const WELCOME = 'sound:voice-portal/welcome';
const MAIN_MENU = 'sound:voice-portal/main-menu';
/** Real-time bound of one step (generous: at 1000 calls the PIN waits in the hash queue). */
const STEP_TIMEOUT_MS = 180_000;

export interface Caller {
  extension: string;
  pin: string;
}

/** Key timing in real milliseconds (converted to the double's time). */
export interface Typing {
  /** From one key's start to the next one's. */
  gapMs: number;
  /** How long a key is held (its event comes when it is released). */
  holdMs: number;
}
/** A person at a phone. */
export const HUMAN_TYPING: Typing = { gapMs: 200, holdMs: 100 };
/** A fast machine caller, for the soak and the thread-pool saturation. */
export const FAST_TYPING: Typing = { gapMs: 15, holdMs: 10 };

export type FailedStep = 'place-call' | 'welcome' | 'main-menu' | 'goodbye';

/** Calls in progress as the callers see them, and the most seen at once. */
export class CallCounter {
  active = 0;
  peak = 0;
  started(): void {
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
  }
  ended(): void {
    this.active -= 1;
  }
  resetPeak(): void {
    this.peak = this.active;
  }
}

/** One login call; resolves to 'ok' or the step it did not get past. Never rejects. */
export async function loginCall(double: AsteriskDouble, app: string, caller: Caller, typing: Typing, counter: CallCounter): Promise<'ok' | FailedStep> {
  const scale = double.timeScale;
  const keys = { gapMs: typing.gapMs / scale, durationMs: typing.holdMs / scale };
  let call: SimCall;
  counter.started();
  try {
    try {
      call = await double.placeCall({ callerNumber: caller.extension, extension: PORTAL_EXTENSION, app, args: ['portal', LOCATION, 'internal'] });
    } catch {
      return 'place-call';
    }
    if (call.stasisFailed) return 'place-call';
    let step: FailedStep = 'welcome';
    try {
      await call.waitFor((e) => e.kind === 'media-started' && e.uri === WELCOME, STEP_TIMEOUT_MS);
      step = 'main-menu';
      await call.press(`${caller.pin}#`, keys);
      await call.waitFor((e) => e.kind === 'media-started' && e.uri === MAIN_MENU, STEP_TIMEOUT_MS);
      step = 'goodbye';
      await call.press('9', keys);
      const end = await within(call.ended, STEP_TIMEOUT_MS);
      if (end?.by !== 'app-hangup') throw new Error('the app did not hang up');
      return 'ok';
    } catch {
      if (call.state !== 'ended') await call.hangup().catch(() => undefined);
      return step;
    }
  } finally {
    counter.ended();
  }
}

/** Tally of call outcomes. */
export function tally(outcomes: ('ok' | FailedStep)[]): { ok: number; failed: Partial<Record<FailedStep, number>> } {
  const failed: Partial<Record<FailedStep, number>> = {};
  let ok = 0;
  for (const o of outcomes) {
    if (o === 'ok') ok += 1;
    else failed[o] = (failed[o] ?? 0) + 1;
  }
  return { ok, failed };
}
