/**
 * Helpers for tests about the portal's prompts: the catalog (sounds/catalog.json) and the
 * generated WAVs (whose headers test/double/wav.ts parses, so a test can say exactly which
 * field is wrong).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SOUNDS_DIR = path.resolve(__dirname, '..', '..', 'sounds');
export const CATALOG_PATH = path.join(SOUNDS_DIR, 'catalog.json');
export const CATALOG_LANGUAGES = ['en', 'fr'] as const;
export type CatalogLanguage = (typeof CATALOG_LANGUAGES)[number];
/** prompt id → text per language, exactly as in sounds/catalog.json */
export type Catalog = Record<string, Record<CatalogLanguage, string>>;

/** Reads sounds/catalog.json (no validation: the catalog test does that, field by field). */
export function loadCatalog(file: string = CATALOG_PATH): Catalog {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Catalog;
}

/** Where a prompt's WAV lives; Asterisk plays it as sound:voice-portal/<id> with lang=<lang>. */
export function promptWavPath(lang: CatalogLanguage, id: string): string {
  return path.join(SOUNDS_DIR, lang, 'voice-portal', `${id}.wav`);
}

export { wavInfo, type WavInfo } from '../double/wav';
