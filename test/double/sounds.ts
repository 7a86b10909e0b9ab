/**
 * What a media URI sounds like, and for how long: the double's stand-in for Asterisk's
 * file lookup (`<sounds dir>/<lang>/<name>.wav`), its language fallback and its "say" engine.
 * Durations are Asterisk-time milliseconds (the channel engine scales them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { wavDurationMs } from './wav';

export interface SoundCatalogueOptions {
  soundsDirs?: string[];
  soundDurationsMs?: Record<string, number>;
  knownSounds?: '*' | string[];
  defaultSoundMs?: number;
}

/** How one media item of a playback behaves (see README §3 "Bad media"). */
export type MediaOutcome =
  /** Plays for `durationMs` (Infinity: until stopped, e.g. `tone:`). */
  | { kind: 'plays'; durationMs: number; playedLang: string }
  /** `sound:` found nowhere: PlaybackStarted, then at once PlaybackFinished `failed`. */
  | { kind: 'missing' }
  /** Unknown scheme or missing `recording:`: PlaybackStarted and never a PlaybackFinished. */
  | { kind: 'skipped' };

/** Length of one spoken word when its file is not known (measured: ~0.55 s per digit). */
const SAY_WORD_MS = 550;

export class SoundCatalogue {
  private readonly dirs: string[];
  private readonly table: Record<string, number>;
  private readonly known: '*' | Set<string>;
  private readonly defaultMs: number;
  /** file path → duration (or null when the file is absent/unreadable); files do not change. */
  private readonly fileCache = new Map<string, number | null>();

  constructor(opts: SoundCatalogueOptions) {
    this.dirs = opts.soundsDirs ?? [];
    this.table = opts.soundDurationsMs ?? {};
    this.known = opts.knownSounds === undefined || opts.knownSounds === '*' ? '*' : new Set(opts.knownSounds);
    this.defaultMs = opts.defaultSoundMs ?? 1000;
  }

  /**
   * A `sound:` lookup as Asterisk does it: the requested language, then its base language
   * (`fr_CA` → `fr`), then `en`. A sound with no file that is "known" (the core sounds) plays
   * in the requested language with its table or default duration.
   */
  sound(name: string, lang: string): MediaOutcome {
    for (const candidate of languageCandidates(lang)) {
      const ms = this.fileDurationMs(name, candidate);
      if (ms !== undefined) return { kind: 'plays', durationMs: ms, playedLang: candidate };
    }
    const isKnown = this.known === '*' || this.known.has(name) || name in this.table;
    if (!isKnown) return { kind: 'missing' };
    return { kind: 'plays', durationMs: this.table[name] ?? this.defaultMs, playedLang: lang };
  }

  /** `digits:`, `number:` and `characters:` media: one item, as long as its words. */
  say(scheme: 'digits' | 'number' | 'characters', value: string, lang: string): MediaOutcome {
    let words: string[] | undefined;
    if (scheme === 'digits') words = digitWords(value);
    else if (scheme === 'characters') words = characterWords(value);
    else words = numberWords(value);
    // Asterisk refuses a number it cannot parse the same way as an unplayable file.
    if (words === undefined || words.length === 0) return { kind: 'missing' };
    const durationMs = words.reduce((sum, word) => sum + this.wordMs(word, lang), 0);
    return { kind: 'plays', durationMs, playedLang: lang };
  }

  private wordMs(word: string, lang: string): number {
    for (const candidate of languageCandidates(lang)) {
      const ms = this.fileDurationMs(word, candidate);
      if (ms !== undefined) return ms;
    }
    // Not the soundDurationsMs table: whole-prompt timings (digits/1 measured 0.9 s as a
    // `sound:`) include per-playback overhead that the say engine does not pay per word.
    return SAY_WORD_MS;
  }

  private fileDurationMs(name: string, lang: string): number | undefined {
    if (name.includes('..')) return undefined; // never read outside the sounds directories
    for (const dir of this.dirs) {
      const file = path.join(dir, lang, `${name}.wav`);
      let cached = this.fileCache.get(file);
      if (cached === undefined) {
        cached = readWavDuration(file);
        this.fileCache.set(file, cached);
      }
      if (cached !== null) return cached;
    }
    return undefined;
  }
}

function readWavDuration(file: string): number | null {
  try {
    return wavDurationMs(fs.readFileSync(file)) ?? null;
  } catch {
    return null;
  }
}

function languageCandidates(lang: string): string[] {
  const candidates = [lang];
  const base = lang.split('_')[0];
  if (base && base !== lang) candidates.push(base);
  if (!candidates.includes('en')) candidates.push('en');
  return candidates;
}

const DIGIT_SOUND: Record<string, string> = { '*': 'digits/star', '#': 'digits/pound', '-': 'digits/minus' };

function digitWords(value: string): string[] | undefined {
  const words: string[] = [];
  for (const ch of value) {
    if (/[0-9]/.test(ch)) words.push(`digits/${ch}`);
    else if (DIGIT_SOUND[ch]) words.push(DIGIT_SOUND[ch]);
  }
  return words;
}

function characterWords(value: string): string[] {
  return [...value].map((ch) => (/[0-9]/.test(ch) ? `digits/${ch}` : `letters/${ch.toLowerCase()}`));
}

/** The words Asterisk's English number saying uses (digits/20, digits/hundred, …). */
function numberWords(value: string): string[] | undefined {
  if (!/^-?\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n)) return undefined;
  if (n < 0) return ['digits/minus', ...wordsFor(-n)];
  return wordsFor(n);
}

function wordsFor(n: number): string[] {
  if (n < 20) return [`digits/${n}`];
  if (n < 100) {
    const unit = n % 10;
    return [`digits/${n - unit}`, ...(unit ? [`digits/${unit}`] : [])];
  }
  const scales: Array<[number, string]> = [
    [1_000_000_000, 'digits/billion'],
    [1_000_000, 'digits/million'],
    [1_000, 'digits/thousand'],
    [100, 'digits/hundred'],
  ];
  for (const [size, word] of scales) {
    if (n >= size) {
      const rest = n % size;
      return [...wordsFor(Math.floor(n / size)), word, ...(rest ? wordsFor(rest) : [])];
    }
  }
  return [];
}
