/**
 * `voicemail.conf` as Asterisk's config parser and app_voicemail read it (pure: the caller
 * gives a function that reads a file, for `#include`).
 *
 * What real files contain, and how it is read:
 * - `;` starts a comment (to the end of the line) unless escaped as `\;`; `;--` … `--;`
 *   is a block comment, possibly over several lines.
 * - `[section]`, also `[section](template)` or `[section](!)`: the name is what is inside the
 *   brackets. `[general]` and `[zonemessages]` hold settings, not mailboxes; every other
 *   section is a voicemail context.
 * - `#include "file"` / `#include file` / `#tryinclude …`: the file's lines are read in place,
 *   relative to the directory of the file that includes it (absolute paths as they are);
 *   a missing `#include` is reported, a missing `#tryinclude` is not; loops are cut.
 * - A mailbox: `<mailbox> => <password>,<full name>,<e-mail>,<pager e-mail>,<options>` (`=`
 *   works too). Options are `name=value` separated by `|` — and, as people write them,
 *   also by further commas after the fifth field. A password starting with `-` cannot be
 *   changed by the user in app_voicemail: the `-` is not part of the PIN.
 * - Lines are decoded one by one (UTF-8, else latin-1: text.ts).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { decodeLines } from './text';

export interface ConfMailbox {
  context: string;
  mailbox: string;
  /** Clear text as in the file; '' when none. Never logged or printed. */
  password: string;
  fullName: string;
  /** The first address of the e-mail field ('' when none). */
  email: string;
  pager: string;
  /** Options, lower-cased names: `attach`, `tz`, `language`, `delete`, … */
  options: Record<string, string>;
  /** Where it was read, for warnings: `file:line`. */
  source: string;
}

export interface ConfParseResult {
  mailboxes: ConfMailbox[];
  /** `[zonemessages]` entries: zone name → `Time/Zone|format`. */
  zones: Record<string, string>;
  /** `[general]` settings (lower-cased names). */
  general: Record<string, string>;
  warnings: string[];
}

/** Reads a file; undefined when it does not exist. */
export type ReadFile = (path: string) => Uint8Array | undefined;

const SETTINGS_SECTIONS = new Set(['general', 'zonemessages']);
const MAX_INCLUDE_DEPTH = 10;

/** Strip comments from one line; `inBlock` carries a `;--` block comment across lines. */
function stripComments(line: string, state: { inBlock: boolean }): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (state.inBlock) {
      if (line.startsWith('--;', i)) {
        state.inBlock = false;
        i += 2;
      }
      continue;
    }
    const ch = line[i];
    if (ch === '\\' && line[i + 1] === ';') {
      out += ';';
      i++;
      continue;
    }
    if (ch === ';') {
      if (line.startsWith(';--', i)) {
        state.inBlock = true;
        i += 2;
        continue;
      }
      break;
    }
    out += ch;
  }
  return out;
}

function parseOptions(text: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const part of text.split(/[|,]/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    options[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return options;
}

/** `1234 => 4242,Name,mail,pager,opts` (value side) → the mailbox's fields. */
export function parseMailboxValue(context: string, mailbox: string, value: string, source: string): ConfMailbox {
  const fields = value.split(',');
  const [password = '', fullName = '', email = '', pager = ''] = fields.map((f) => f.trim());
  const options = parseOptions(fields.slice(4).join(','));
  return {
    context,
    mailbox,
    password: password.replace(/^-/, ''),
    fullName,
    email: (email.split('|')[0] ?? '').trim(),
    pager,
    options,
    source,
  };
}

export function parseVoicemailConf(path: string, readFile: ReadFile): ConfParseResult {
  const result: ConfParseResult = { mailboxes: [], zones: {}, general: {}, warnings: [] };
  let section = '';
  const visiting: string[] = [];

  const readInto = (file: string, depth: number, optional: boolean, from: string): void => {
    if (visiting.includes(file)) {
      result.warnings.push(`${from}: #include loop on ${file}: skipped`);
      return;
    }
    if (depth > MAX_INCLUDE_DEPTH) {
      result.warnings.push(`${from}: #include nested too deep: ${file} skipped`);
      return;
    }
    const data = readFile(file);
    if (data === undefined) {
      if (!optional) result.warnings.push(`${from}: cannot read ${file}`);
      return;
    }
    visiting.push(file);
    const state = { inBlock: false };
    decodeLines(data).forEach((raw, index) => {
      const where = `${file}:${index + 1}`;
      const trimmedRaw = raw.trim();
      const include = /^#(try)?include\s+(?:"([^"]+)"|<([^>]+)>|(\S+))/i.exec(trimmedRaw);
      if (include && !state.inBlock) {
        const target = (include[2] ?? include[3] ?? include[4]) as string;
        readInto(isAbsolute(target) ? target : join(dirname(file), target), depth + 1, include[1] !== undefined, where);
        return;
      }
      const line = stripComments(raw, state).trim();
      if (line === '') return;
      const header = /^\[([^\]]+)\]/.exec(line);
      if (header) {
        section = (header[1] as string).trim();
        return;
      }
      if (line.startsWith('#')) return; // #exec and other directives: not for us
      const match = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
      if (!match) {
        result.warnings.push(`${where}: not understood, skipped`);
        return;
      }
      const name = (match[1] as string).trim();
      const value = (match[2] as string).trim();
      const lower = section.toLowerCase();
      if (section === '') result.warnings.push(`${where}: outside any [section], skipped`);
      else if (lower === 'general') result.general[name.toLowerCase()] = value;
      else if (lower === 'zonemessages') result.zones[name] = value;
      else if (!SETTINGS_SECTIONS.has(lower)) result.mailboxes.push(parseMailboxValue(section, name, value, where));
    });
    visiting.pop();
  };

  readInto(path, 0, false, path);
  return result;
}
