/**
 * Driving calls through a flow's steps while something goes wrong: a step may never come
 * (the call ended instead), so every wait races the end of the call.
 */
import { shownKey, type CallLogEntry, type SimCall } from '../../double/control';
import { within } from '../../support/within';
import type { Step, Subject } from './flows';

export type Driven = { outcome: 'completed' } | { outcome: 'ended'; atStep: number } | { outcome: 'stuck'; atStep: number; error: string };

/** Run `steps` in order; stop as soon as the call ends. */
export async function driveSteps(call: SimCall, x: Subject, steps: readonly Step[], from = 0): Promise<Driven> {
  let over = false;
  const end = call.ended.then(() => {
    over = true;
  });
  for (let i = from; i < steps.length; i++) {
    if (over) return { outcome: 'ended', atStep: i };
    const step = steps[i] as Step;
    const act = step.act(call, x);
    act.catch(() => undefined);
    try {
      await Promise.race([act, end]);
    } catch (err) {
      if (over) return { outcome: 'ended', atStep: i };
      return { outcome: 'stuck', atStep: i, error: err instanceof Error ? err.message.slice(0, 300) : String(err) };
    }
    if (over) return { outcome: 'ended', atStep: i };
  }
  return { outcome: 'completed' };
}

/** The call's end, or undefined if it has not ended within `ms`. */
export function endedWithin(call: SimCall, ms: number): Promise<Awaited<SimCall['ended']> | undefined> {
  return within(call.ended, ms);
}

/** Caller-perceived events (what the caller hears or does), with their times. */
const PERCEIVED = new Set<CallLogEntry['kind']>(['answered', 'media-started', 'media-finished', 'recording-started', 'recording-finished', 'dtmf', 'hangup', 'stasis-end']);

/** The longest stretch (ms, real) after `since` with nothing happening on the call. */
export function longestSilence(call: SimCall, since: number): number {
  let last = since;
  let longest = 0;
  for (const e of call.log) {
    if (!PERCEIVED.has(e.kind) || e.at < since) continue;
    longest = Math.max(longest, e.at - last);
    last = e.at;
  }
  return longest;
}

/** Prompt ids heard, as in the portal harness's `heard`. */
export function promptsHeard(call: SimCall): string[] {
  return call.heard().map((uri) => (uri.startsWith('sound:voice-portal/') ? uri.slice('sound:voice-portal/'.length) : uri));
}

/** A short account of a call for failure messages: what was heard, the last few events. */
export function describeCall(call: SimCall): string {
  const last = call.log.slice(-5).map((e) => `${e.kind}${'uri' in e ? ` ${e.uri.replace('sound:voice-portal/', '')}` : ''}${'digit' in e ? ` ${shownKey(e.digit)}` : ''}`);
  return `heard [${promptsHeard(call).join(', ')}]; last events [${last.join(' | ')}]; state ${call.state}`;
}
