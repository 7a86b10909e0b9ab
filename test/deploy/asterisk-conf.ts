/**
 * A small, strict reader for Asterisk's configuration format, enough to check the shipped
 * snippets (asterisk-conf/*.conf) the way Asterisk reads them:
 *   [section]  [section](template1,template2)  [template](!)  [section](+)
 *   key = value     key => value (dialplan)     ; comment    \; (a literal semicolon)
 *   ;-- block comment --;     #include / #tryinclude / #exec directives
 * and, for extensions.conf, the dialplan: exten/same lines, priorities, labels, Goto targets.
 * Anything else on a line is an error (with its line number): a typo must fail the tests,
 * not be skipped.
 */

export interface ConfEntry {
  key: string;
  operator: '=' | '=>';
  value: string;
  line: number;
}

export interface ConfSection {
  name: string;
  /** templates listed in (...) after the name, in order */
  templates: string[];
  /** declared with (!): a template, not loaded as an object itself */
  isTemplate: boolean;
  entries: ConfEntry[];
  line: number;
}

export interface ConfDirective {
  name: 'include' | 'tryinclude' | 'exec';
  argument: string;
  line: number;
}

export interface ConfFile {
  sections: ConfSection[];
  directives: ConfDirective[];
}

/** Removes ;-- block comments --; (which may span lines), keeping line numbers intact. */
function stripBlockComments(text: string): string {
  return text.replace(/;--[\s\S]*?--;/g, (block) => block.replace(/[^\n]/g, ''));
}

/** Cuts a line at its first unescaped ";" and unescapes "\;". */
function stripComment(line: string): string {
  const at = line.search(/(?<!\\);/);
  return (at === -1 ? line : line.slice(0, at)).replace(/\\;/g, ';');
}

export function parseAsteriskConf(text: string, fileName = 'config'): ConfFile {
  const sections: ConfSection[] = [];
  const directives: ConfDirective[] = [];
  let current: ConfSection | undefined;
  const lines = stripBlockComments(text).split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const where = `${fileName}:${lineNo}`;
    const directive = /^\s*#(include|tryinclude|exec)\s+(.+?)\s*$/.exec(raw);
    if (directive) {
      directives.push({ name: directive[1] as ConfDirective['name'], argument: directive[2].replace(/^"|"$/g, ''), line: lineNo });
      return;
    }
    const line = stripComment(raw).trim();
    if (line === '') return;
    const header = /^\[([^\]]+)\](?:\(([^)]*)\))?$/.exec(line);
    if (header) {
      const name = header[1].trim();
      const options = header[2] === undefined ? [] : header[2].split(',').map((o) => o.trim()).filter((o) => o !== '');
      if (options.includes('+')) {
        // [name](+) adds to the most recent section of that name.
        const previous = [...sections].reverse().find((s) => s.name === name);
        if (!previous) throw new Error(`${where}: [${name}](+) with no earlier [${name}]`);
        current = previous;
        return;
      }
      current = {
        name,
        templates: options.filter((o) => o !== '!'),
        isTemplate: options.includes('!'),
        entries: [],
        line: lineNo,
      };
      sections.push(current);
      return;
    }
    const assignment = /^([^=]+?)\s*(=>|=)\s*(.*)$/.exec(line);
    if (!assignment) throw new Error(`${where}: not a section, setting or directive: ${line}`);
    if (!current) throw new Error(`${where}: setting before any [section]: ${line}`);
    current.entries.push({ key: assignment[1].trim(), operator: assignment[2] as '=' | '=>', value: assignment[3].trim(), line: lineNo });
  });
  return { sections, directives };
}

/** The section's entries with its templates' entries first (recursively), as Asterisk applies them. */
export function resolvedEntries(file: ConfFile, section: ConfSection, seen: Set<ConfSection> = new Set()): ConfEntry[] {
  if (seen.has(section)) throw new Error(`template loop at [${section.name}]`);
  seen.add(section);
  const inherited = section.templates.flatMap((name) => {
    // A template must be defined before the section that uses it.
    const template = file.sections.find((s) => s.name === name && s.line < section.line);
    if (!template) throw new Error(`[${section.name}] (line ${section.line}) uses undefined template "${name}"`);
    return resolvedEntries(file, template, seen);
  });
  return [...inherited, ...section.entries];
}

/** The last value of `key` in the section (templates included), or undefined. */
export function setting(file: ConfFile, section: ConfSection, key: string): string | undefined {
  const matches = resolvedEntries(file, section).filter((e) => e.key === key);
  return matches.length === 0 ? undefined : matches[matches.length - 1].value;
}

/** Non-template sections whose resolved `type` is `type` (pjsip.conf, ari.conf). */
export function objectsOfType(file: ConfFile, type: string): ConfSection[] {
  return file.sections.filter((s) => !s.isTemplate && setting(file, s, 'type') === type);
}

// ---- dialplan ---------------------------------------------------------------------------------

export interface Priority {
  /** the priority number after resolving "n" */
  number: number;
  label?: string;
  app: string;
  /** raw text between the application's outer parentheses ("" when none) */
  data: string;
  line: number;
}

export interface Extension {
  /** as written: "8000", "_100[1-2]", "s", "*97" */
  name: string;
  priorities: Priority[];
}

export type Dialplan = Map<string, Extension[]>;

/** Splits on `separator` where it is not inside (), [], {} or double quotes. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && '([{'.includes(c)) depth++;
    else if (!quoted && ')]}'.includes(c)) depth--;
    else if (!quoted && depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseApplication(text: string, where: string): { app: string; data: string } {
  const open = text.indexOf('(');
  if (open === -1) return { app: text.trim(), data: '' };
  if (!text.trimEnd().endsWith(')')) throw new Error(`${where}: unbalanced parentheses in ${text}`);
  return { app: text.slice(0, open).trim(), data: text.slice(open + 1, text.trimEnd().length - 1) };
}

/** Reads the exten/same lines of every context of an extensions.conf. */
export function parseDialplan(file: ConfFile, fileName = 'extensions.conf'): Dialplan {
  const dialplan: Dialplan = new Map();
  for (const section of file.sections) {
    if (section.name === 'general' || section.name === 'globals') continue;
    const extensions = dialplan.get(section.name) ?? [];
    dialplan.set(section.name, extensions);
    let last: Extension | undefined;
    for (const entry of section.entries) {
      const where = `${fileName}:${entry.line}`;
      if (entry.key === 'include') continue;
      if (entry.key !== 'exten' && entry.key !== 'same') throw new Error(`${where}: unexpected "${entry.key}" in a dialplan context`);
      let ext: Extension;
      let rest: string;
      if (entry.key === 'exten') {
        const comma = entry.value.indexOf(',');
        if (comma === -1) throw new Error(`${where}: exten without priority`);
        const name = entry.value.slice(0, comma).trim();
        rest = entry.value.slice(comma + 1);
        const existing = extensions.find((e) => e.name === name);
        ext = existing ?? { name, priorities: [] };
        if (!existing) extensions.push(ext);
      } else {
        if (!last) throw new Error(`${where}: "same" with no extension before it`);
        ext = last;
        rest = entry.value;
      }
      last = ext;
      const comma = rest.indexOf(',');
      if (comma === -1) throw new Error(`${where}: priority without application`);
      const prio = /^\s*(\d+|n)(?:\(([^)]+)\))?\s*$/.exec(rest.slice(0, comma));
      if (!prio) throw new Error(`${where}: bad priority "${rest.slice(0, comma)}"`);
      const previous = ext.priorities[ext.priorities.length - 1];
      const number = prio[1] === 'n' ? (previous ? previous.number + 1 : NaN) : Number(prio[1]);
      if (Number.isNaN(number)) throw new Error(`${where}: "n" as the first priority of ${ext.name}`);
      if (previous && number <= previous.number) throw new Error(`${where}: priority ${number} after ${previous.number}`);
      if (!previous && number !== 1) throw new Error(`${where}: ${ext.name} does not start at priority 1`);
      ext.priorities.push({ number, label: prio[2], ...parseApplication(rest.slice(comma + 1), where), line: entry.line });
    }
  }
  return dialplan;
}

/** Whether a dialled number matches an extension name (literal, or a "_" pattern). */
export function extensionMatches(name: string, dialled: string): boolean {
  if (!name.startsWith('_')) return name === dialled;
  let regex = '';
  for (const part of name.slice(1).match(/\[[^\]]+\]|./g) ?? []) {
    if (part.startsWith('[')) regex += part;
    else if (part === 'X') regex += '[0-9]';
    else if (part === 'Z') regex += '[1-9]';
    else if (part === 'N') regex += '[2-9]';
    else if (part === '.') regex += '.+';
    else if (part === '!') regex += '.*';
    else regex += part.replace(/[\\^$*+?()|{}]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`).test(dialled);
}

export interface Location {
  context: string;
  extension: Extension;
  index: number;
}

/**
 * Where a Goto target ("label", "prio", "exten,prio" or "context,exten,prio") leads from
 * `from`; throws if it leads nowhere, as Asterisk would fail the call at run time.
 */
export function resolveTarget(dialplan: Dialplan, from: Location, target: string): Location {
  const parts = target.split(',').map((p) => p.trim());
  if (parts.length > 3 || parts.some((p) => p === '')) throw new Error(`bad Goto target "${target}"`);
  const context = parts.length === 3 ? parts[0] : from.context;
  // `${EXTEN}` keeps the dialled digits, so it reaches the extension of the same name there.
  const named = parts.length >= 2 ? parts[parts.length - 2] : from.extension.name;
  const extName = named === '${EXTEN}' ? from.extension.name : named;
  const prio = parts[parts.length - 1];
  const extensions = dialplan.get(context);
  if (!extensions) throw new Error(`Goto target "${target}": no context ${context}`);
  const extension =
    parts.length >= 2 ? extensions.find((e) => e.name === extName) ?? extensions.find((e) => extensionMatches(e.name, extName)) : from.extension;
  if (!extension) throw new Error(`Goto target "${target}": no extension ${extName} in ${context}`);
  const index = /^\d+$/.test(prio)
    ? extension.priorities.findIndex((p) => p.number === Number(prio))
    : extension.priorities.findIndex((p) => p.label === prio);
  if (index === -1) throw new Error(`Goto target "${target}": no priority or label ${prio} in ${context},${extension.name}`);
  return { context, extension, index };
}

/** The condition and the true/false targets of GotoIf / GotoIfTime data ("cond?t[:f]"). */
export function conditionalTargets(data: string): { condition: string; ifTrue?: string; ifFalse?: string } {
  const parts = splitTopLevel(data, '?');
  if (parts.length !== 2) throw new Error(`no "?" in conditional "${data}"`);
  const [ifTrue, ifFalse] = splitTopLevel(parts[1], ':').map((t) => t.trim());
  return { condition: parts[0], ifTrue: ifTrue || undefined, ifFalse: ifFalse || undefined };
}

/**
 * Follows the dialplan from `start` the way a call would, taking both branches of every
 * conditional, until Hangup or the end of an extension; calls `visit` on every priority
 * reached (each once). Returns the visited priorities.
 */
export function walk(dialplan: Dialplan, start: Location, visit: (p: Priority, at: Location) => void = () => {}): Priority[] {
  const seen = new Set<Priority>();
  const queue: Location[] = [start];
  while (queue.length > 0) {
    const at = queue.shift() as Location;
    const p = at.extension.priorities[at.index];
    if (!p || seen.has(p)) continue;
    seen.add(p);
    visit(p, at);
    const next = { ...at, index: at.index + 1 };
    switch (p.app) {
      case 'Hangup':
        break;
      case 'Goto':
        queue.push(resolveTarget(dialplan, at, p.data));
        break;
      case 'GotoIf':
      case 'GotoIfTime': {
        const { ifTrue, ifFalse } = conditionalTargets(p.data);
        queue.push(ifTrue ? resolveTarget(dialplan, at, ifTrue) : next);
        queue.push(ifFalse ? resolveTarget(dialplan, at, ifFalse) : next);
        break;
      }
      default:
        queue.push(next);
    }
  }
  return [...seen];
}
