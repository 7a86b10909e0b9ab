/**
 * What the caller hears, as text: the portal's prompts from sounds/catalog.json in the
 * language they were played in, and Asterisk's other media (digits:, number:, recording:,
 * core sounds) described readably.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SOUNDS_DIR = path.join(REPO_ROOT, 'sounds');
const PROMPT_PREFIX = 'sound:voice-portal/';

type Catalog = Record<string, Record<string, string>>;

let catalog: Catalog | undefined;
function loadCatalog(): Catalog {
  catalog ??= JSON.parse(readFileSync(path.join(SOUNDS_DIR, 'catalog.json'), 'utf8')) as Catalog;
  return catalog;
}

/** `sound:voice-portal/<id>` → `<id>`; anything else → undefined. */
export function promptIdOf(uri: string): string | undefined {
  return uri.startsWith(PROMPT_PREFIX) ? uri.slice(PROMPT_PREFIX.length) : undefined;
}

/** The prompt's words in `lang` (falling back like Asterisk: fr_CA → fr → en). */
export function promptText(id: string, lang: string): string | undefined {
  const texts = loadCatalog()[id];
  if (!texts) return undefined;
  return texts[lang] ?? texts[lang.split('_')[0]] ?? texts.en;
}

/** One line describing a media item the caller hears. */
export function describeMedia(uri: string, lang: string): string {
  const id = promptIdOf(uri);
  if (id !== undefined) {
    const text = promptText(id, lang);
    return text === undefined ? `(prompt ${id}: no text in the catalog)` : `"${text}" [${id}]`;
  }
  const colon = uri.indexOf(':');
  const scheme = colon < 0 ? uri : uri.slice(0, colon);
  const value = colon < 0 ? '' : uri.slice(colon + 1);
  switch (scheme) {
    case 'sound':
      if (value === 'beep') return '(beep)';
      if (value.startsWith('digits/')) {
        const word = value.slice('digits/'.length);
        // digits/<n> is a number; digits/mon-11, day-3, h-2, a-m… are Asterisk's date words.
        return /^\d+$/.test(word) ? `(the number ${word})` : `(the date word ${word})`;
      }
      return `(sound ${value})`;
    case 'digits':
      return `(the digits ${[...value].join(' ')})`;
    case 'number':
      return `(the number ${value})`;
    case 'characters':
      return `(the characters ${[...value].join(' ')})`;
    case 'recording':
      return `(the recording ${value})`;
    case 'tone':
      return `(tone ${value})`;
    default:
      return `(${uri})`;
  }
}

/** The WAV file a prompt plays from, for playing it aloud (undefined: none exists). */
export function promptWav(uri: string, lang: string): string | undefined {
  const id = promptIdOf(uri);
  if (id === undefined) return undefined;
  return path.join(SOUNDS_DIR, lang, 'voice-portal', `${id}.wav`);
}

/**
 * One transcript line fitted to a terminal `width` wide: broken between words (never inside
 * one), continuation lines indented under the text after the time stamp.
 */
export function wrapLine(line: string, width: number | undefined): string {
  if (width === undefined || width < 40 || line.length <= width) return line;
  const stampEnd = line.startsWith('[') ? line.indexOf('] ') + 2 : 0;
  const indent = ' '.repeat(stampEnd > 0 && stampEnd <= 20 ? stampEnd : 0);
  const out: string[] = [];
  let current = line.slice(0, indent.length);
  let empty = true; // no word on `current` yet
  for (const word of line.slice(indent.length).split(' ')) {
    if (empty || current.length + 1 + word.length <= width) {
      current = empty ? `${current}${word}` : `${current} ${word}`;
      empty = false;
    } else {
      out.push(current);
      current = `${indent}${word}`;
    }
  }
  out.push(current);
  return out.join('\n');
}
