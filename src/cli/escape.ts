/**
 * The one escaping function for everything the CLI prints that it did not write itself:
 * caller names and numbers from deposits (the network's), user and location names, argv
 * echoed in errors. A terminal obeys control sequences wherever they appear; a caller name of
 * `ESC[2J` or an OSC 52 sequence would clear the admin's screen or write to the clipboard,
 * and a bidi override would make a row read differently from what it holds.
 *
 * Escaped, as visible text: C0 controls and DEL (`\x1b`, `\n`, `\t`…), C1 controls
 * (U+0080–U+009F: 8-bit CSI/OSC), bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E,
 * U+2066–U+2069) and the line/paragraph separators (U+2028, U+2029). Everything else,
 * accented letters included, is printed as it is. The result contains none of those
 * characters, so escaping twice changes nothing.
 */

// eslint-disable-next-line no-control-regex
export const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every character a terminal could act on written as a visible escape. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, escapeOne);
}

/** Same, keeping the line breaks of text the CLI composed itself (multi-line messages). */
export function escapeLines(text: string): string {
  return text.split('\n').map(escapeForTerminal).join('\n');
}

/**
 * A JSON document whose strings may carry C1 or bidi controls, which JSON.stringify leaves
 * raw: written as \u escapes (the same JSON value, nothing a terminal obeys). C0 controls are
 * already escaped by JSON.stringify.
 */
export function escapeJsonText(json: string): string {
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
