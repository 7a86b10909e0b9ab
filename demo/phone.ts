/**
 * The interactive terminal phone: choose who calls and what number they dial, then type on
 * the keypad. Keys: 0-9 * # (A-D) as on a phone, `s` to speak for 3 seconds (into a
 * recording), `h` to hang up; Ctrl-C hangs up and quits. Prompts are printed as they play
 * (and heard through sox's `play` when installed).
 */
import { createInterface } from 'node:readline/promises';
import type { AsteriskDoubleControl, SimCall } from '../test/double/control';
import type { Speaker } from './audio';
import { CallView } from './call-view';
import { dial, type Dialplan, type LampWatcher } from './dial';

export interface PhoneOptions {
  double: AsteriskDoubleControl;
  dialplan: Dialplan;
  lamps?: LampWatcher;
  speaker?: Speaker;
  write: (line: string) => void;
  /** Writes text without ending the line (the keys of one entry share a line). */
  append: (text: string) => void;
}

/**
 * What one key typed on the terminal does during a call. Returns 'quit' for Ctrl-C (the call
 * is hung up and the phone quits).
 */
export function keyOnPhone(call: SimCall, view: CallView, ch: string): 'quit' | undefined {
  if (ch === '\u0003') {
    void call.hangup();
    return 'quit';
  }
  if (ch === 'h' || ch === 'H') {
    view.caller('hangs up');
    void call.hangup();
  } else if (ch === 's' || ch === 'S') {
    view.caller('speaks for 3 s');
    call.speak(3);
  } else if (/^[0-9*#A-Da-d]$/.test(ch)) {
    const key = ch.toUpperCase();
    view.typed(key);
    void call.press(key);
  }
  return undefined;
}

async function ask(question: string, fallback: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(question)).trim();
    return answer === '' ? fallback : answer;
  } catch {
    return undefined; // stdin closed (Ctrl-D)
  } finally {
    rl.close();
  }
}

/** One call, keypad in raw mode, until it ends. Resolves false when the user quit (Ctrl-C). */
async function oneCall(opts: PhoneOptions, caller: string, dialled: string): Promise<boolean> {
  const call = await dial(opts.double, opts.dialplan, caller === '-' ? '' : caller, dialled, { timeScale: 1, write: opts.write });
  if (!call) return true;
  const view = new CallView(call, 1, opts.write, opts.speaker, opts.append, opts.lamps);
  if (call.stasisFailed) {
    view.note('the portal application is not connected: the dialplan plays "temporarily unavailable"');
    view.stop();
    return true;
  }
  let quit = false;
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  const onKey = (chunk: Buffer): void => {
    for (const ch of chunk.toString('utf8')) if (keyOnPhone(call, view, ch) === 'quit') quit = true;
  };
  stdin.on('data', onKey);
  try {
    await call.ended;
    await new Promise((r) => setTimeout(r, 50)); // let the last log lines arrive
  } finally {
    stdin.off('data', onKey);
    stdin.setRawMode(false);
    stdin.pause();
    view.stop();
  }
  return !quit;
}

export async function runPhone(opts: PhoneOptions): Promise<void> {
  opts.write('Keys during a call: 0-9 * # as on the phone, s = speak 3 s (to record), h = hang up, Ctrl-C = quit.');
  for (;;) {
    opts.write('');
    const caller = await ask('Calling from (caller ID; "-" = anonymous; q = quit) [1001]: ', '1001');
    if (caller === undefined || caller === 'q') return;
    const dialled = await ask('Number dialled (8000 or *97 = the portal, +33123456789 = from outside, 1001/1002 = a colleague) [8000]: ', '8000');
    if (dialled === undefined || dialled === 'q') return;
    if (!(await oneCall(opts, caller, dialled))) return;
  }
}
