/**
 * The demo's call scripts: one call per line, so that a scenario runs without a terminal.
 *
 *   <caller> <dialled> <step> <step> ...
 *
 * caller: the caller ID number (`-` for an anonymous caller); dialled: the number dialled.
 * Steps, run in order:
 *   w            wait until the next prompt starts (one the script has not waited for yet)
 *   w:<id>       wait until the prompt <id> starts, e.g. w:main-menu (an id of
 *                sounds/catalog.json, or a whole media URI such as sound:beep)
 *   q            wait until nothing is playing (to hear a prompt out instead of barging in)
 *   r            wait until a recording starts (after the beep)
 *   p<ms>        pause <ms> milliseconds of caller time, e.g. p500
 *   s<seconds>   speak for <seconds> (into a recording in progress), e.g. s2
 *   <keys>       press keys: digits, *, #, A-D, e.g. 860412#; $default stands for the
 *                demo's default PIN, e.g. $default#
 *   h            hang up
 * After the last step the call is left to end (the portal hangs up), within a time limit.
 * A line whose first character is `#` is a comment (a `#` step later in a line is a key);
 * blank lines are ignored.
 */
import { promptText } from './media-text';

export type Step =
  | { kind: 'wait-prompt'; prompt?: string }
  | { kind: 'wait-quiet' }
  | { kind: 'wait-recording' }
  | { kind: 'pause'; ms: number }
  | { kind: 'speak'; seconds: number }
  | { kind: 'keys'; keys: string }
  | { kind: 'hangup' };

export interface CallScript {
  /** 1-based line number in the file. */
  line: number;
  caller: string;
  dialled: string;
  steps: Step[];
}

export class ScriptError extends Error {
  override name = 'ScriptError';
}

const DEFAULT_PIN_TOKEN = '$default';

function parseStep(token: string, line: number, defaultPin: string | undefined): Step {
  if (token === 'w') return { kind: 'wait-prompt' };
  if (token.startsWith('w:') && token.length > 2) {
    const prompt = token.slice(2);
    // A prompt id (sounds/catalog.json) or a whole media URI (e.g. sound:beep).
    if (!prompt.includes(':') && promptText(prompt, 'en') === undefined) throw new ScriptError(`line ${line}: unknown prompt "${prompt}" in "${token}" (prompt ids: sounds/catalog.json)`);
    return { kind: 'wait-prompt', prompt };
  }
  if (token === 'q') return { kind: 'wait-quiet' };
  if (token === 'r') return { kind: 'wait-recording' };
  if (token === 'h') return { kind: 'hangup' };
  const pause = /^p(\d+)$/.exec(token);
  if (pause) return { kind: 'pause', ms: Number(pause[1]) };
  const speak = /^s(\d+(?:\.\d+)?)$/.exec(token);
  if (speak) return { kind: 'speak', seconds: Number(speak[1]) };
  if (token.includes(DEFAULT_PIN_TOKEN) && defaultPin === undefined) {
    throw new ScriptError(`line ${line}: ${DEFAULT_PIN_TOKEN} is the demo's own default PIN: there is none with --redis-url`);
  }
  const keys = token.split(DEFAULT_PIN_TOKEN).join(defaultPin ?? '');
  if (/^[0-9*#A-D]+$/.test(keys)) return { kind: 'keys', keys };
  throw new ScriptError(`line ${line}: unknown step "${token}"`);
}

/** Parse a whole script. `defaultPin` replaces `$default` in key steps (undefined: refused). */
export function parseScript(text: string, defaultPin: string | undefined): CallScript[] {
  const calls: CallScript[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [caller, dialled, ...tokens] = trimmed.split(/\s+/);
    if (dialled === undefined || !/^\+?[0-9*#]+$/.test(dialled)) throw new ScriptError(`line ${line}: expected "<caller> <dialled> <steps...>"`);
    if (caller !== '-' && !/^\+?[0-9]+$/.test(caller)) throw new ScriptError(`line ${line}: caller must be digits or "-", got "${caller}"`);
    calls.push({ line, caller: caller === '-' ? '' : caller, dialled, steps: tokens.map((t) => parseStep(t, line, defaultPin)) });
  });
  return calls;
}
