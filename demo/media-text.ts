/**
 * What the caller hears, as text: the portal's prompts from sounds/catalog.json in the
 * language they were played in, and Asterisk's other media (digits:, number:, recording:,
 * core sounds) described readably.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PIN_ENTRY_PROMPTS } from '../src/portal/prompts';

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
      if (value.startsWith('digits/')) return `(the number ${value.slice('digits/'.length)})`;
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

/** True when keys typed after `lastUri` (the last media the caller heard) may be a PIN. */
export function isPinPrompt(lastUri: string | undefined): boolean {
  if (lastUri === undefined) return true; // nothing heard yet: assume the worst
  const id = promptIdOf(lastUri);
  return id !== undefined && (PIN_ENTRY_PROMPTS as ReadonlySet<string>).has(id);
}

/** Keys as they may be printed: digits hidden when typed at a PIN prompt. */
export function maskKeys(keys: string, pinPrompt: boolean): string {
  return pinPrompt ? keys.replace(/[0-9A-D]/g, '•') : keys;
}

/** The WAV file a prompt plays from, for playing it aloud (undefined: none exists). */
export function promptWav(uri: string, lang: string): string | undefined {
  const id = promptIdOf(uri);
  if (id === undefined) return undefined;
  return path.join(SOUNDS_DIR, lang, 'voice-portal', `${id}.wav`);
}
