/**
 * Runs the calls of a script (script.ts) one after another against the simulated PBX, as
 * the caller, through the double's control API only, and prints the transcript.
 */
import type { AsteriskDoubleControl, CallLogEntry, SimCall } from '../test/double/control';
import { CallView } from './call-view';
import { dial, type Dialplan, type LampWatcher } from './dial';
import { promptIdOf } from './media-text';
import type { CallScript, Step } from './script';

export interface ScriptRunOptions {
  timeScale: number;
  write: (line: string) => void;
  /** Where a number dialled goes (as the shipped dialplan: portal, or ringing then voicemail). */
  dialplan: Dialplan;
  /** The phones' message-waiting lamps, printed as they change. */
  lamps?: LampWatcher;
}

/** The longest a caller waits for something (in caller time) before the script gives up. */
const MAX_WAIT_SIM_MS = 120_000;
/** ...but never less than this in real time, whatever the speed. */
const MIN_WAIT_REAL_MS = 5_000;

class StepFailed extends Error {}

/** Where the script stands in the call's log: waits only look at what comes after. */
interface Cursor {
  media: number;
  recordings: number;
}

function indexAfter(log: readonly CallLogEntry[], from: number, match: (e: CallLogEntry) => boolean): number {
  for (let i = from; i < log.length; i++) if (match(log[i])) return i;
  return -1;
}

async function waitForIndex(call: SimCall, from: number, match: (e: CallLogEntry) => boolean, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = indexAfter(call.log, from, match);
    if (i >= 0) return i;
    if (call.state === 'ended') throw new StepFailed(`the call ended while waiting for ${what}`);
    if (Date.now() > deadline) throw new StepFailed(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function isPlaying(log: readonly CallLogEntry[]): boolean {
  const open = new Set<string>();
  for (const e of log) {
    if (e.kind === 'media-started') open.add(`${e.playbackId} ${e.uri}`);
    else if (e.kind === 'media-finished') open.delete(`${e.playbackId} ${e.uri}`);
  }
  return open.size > 0;
}

async function runStep(call: SimCall, step: Step, cursor: Cursor, view: CallView, opts: ScriptRunOptions): Promise<void> {
  const waitMs = Math.max(MIN_WAIT_REAL_MS, MAX_WAIT_SIM_MS * opts.timeScale);
  const sleep = (simMs: number): Promise<void> => new Promise((r) => setTimeout(r, simMs * opts.timeScale));
  switch (step.kind) {
    case 'wait-prompt': {
      const what = step.prompt ? `the prompt ${step.prompt}` : 'the next prompt';
      const i = await waitForIndex(
        call,
        cursor.media,
        (e) => e.kind === 'media-started' && (step.prompt === undefined || promptIdOf(e.uri) === step.prompt || e.uri === step.prompt),
        waitMs,
        what,
      );
      cursor.media = i + 1;
      return;
    }
    case 'wait-recording': {
      const i = await waitForIndex(call, cursor.recordings, (e) => e.kind === 'recording-started', waitMs, 'a recording');
      cursor.recordings = i + 1;
      return;
    }
    case 'wait-quiet': {
      const deadline = Date.now() + waitMs;
      while (isPlaying(call.log)) {
        if (call.state === 'ended') return;
        if (Date.now() > deadline) throw new StepFailed('timed out waiting for the prompt to end');
        await new Promise((r) => setTimeout(r, 5));
      }
      return;
    }
    case 'pause':
      return sleep(step.ms);
    case 'speak':
      view.caller(`speaks for ${step.seconds} s`);
      call.speak(step.seconds);
      return sleep(step.seconds * 1000);
    case 'keys':
      view.pressed(step.keys);
      return call.press(step.keys);
    case 'hangup':
      view.caller('hangs up');
      return call.hangup();
  }
}

/** Place one scripted call and play the caller's part. True when every step worked. */
export async function runScriptedCall(double: AsteriskDoubleControl, script: CallScript, number: number, opts: ScriptRunOptions): Promise<boolean> {
  const who = script.caller === '' ? 'an anonymous caller' : script.caller;
  opts.write('');
  opts.write(`── call ${number} (script line ${script.line}): ${who} dials ${script.dialled} ──`);
  const call = await dial(double, opts.dialplan, script.caller, script.dialled, opts);
  if (!call) {
    opts.write('SCRIPT FAILED: no such number');
    return false;
  }
  const view = new CallView(call, opts.timeScale, opts.write, undefined, undefined, opts.lamps);
  if (call.stasisFailed) {
    view.note('the portal application is not connected: the dialplan plays "temporarily unavailable"');
    view.stop();
    return false;
  }
  const cursor: Cursor = { media: 0, recordings: 0 };
  let ok = true;
  try {
    for (const step of script.steps) await runStep(call, step, cursor, view, opts);
    const waitMs = Math.max(MIN_WAIT_REAL_MS, MAX_WAIT_SIM_MS * opts.timeScale);
    const ended = await Promise.race([call.ended.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), waitMs).unref())]);
    if (!ended) throw new StepFailed('the call did not end after the last step');
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    ok = false;
    view.note(`SCRIPT FAILED: ${err.message}`);
    if (call.state !== 'ended') await call.hangup();
  }
  view.stop();
  return ok;
}
