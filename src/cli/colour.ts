/**
 * Colour in the CLI's output: only on a terminal, never when NO_COLOR is set (no-color.org)
 * or TERM is dumb, never in --json output. What is coloured is what an operator scans for:
 * LOCKED and REFUSED in red, `error:` in red, `warning:` in yellow.
 */
type Env = Record<string, string | undefined>;

export type Style = 'alert' | 'warn' | 'dim';

const CODES: Record<Style, [string, string]> = {
  alert: ['\u001b[1;31m', '\u001b[0m'],
  warn: ['\u001b[33m', '\u001b[0m'],
  dim: ['\u001b[2m', '\u001b[0m'],
};

export function colourWanted(stream: NodeJS.WritableStream, env: Env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return (stream as { isTTY?: boolean }).isTTY === true;
}

export function paint(style: Style | undefined, text: string, enabled: boolean): string {
  if (!enabled || style === undefined || text === '') return text;
  const [on, off] = CODES[style];
  return `${on}${text}${off}`;
}
