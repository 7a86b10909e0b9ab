/**
 * Helpers for tests about the portal's prompts: the catalog (sounds/catalog.json) and the
 * generated WAVs. The WAV header is parsed here rather than trusted to a tool, so a test can
 * say exactly which field is wrong.
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

export interface WavInfo {
  /** 1 = integer PCM (WAVE_FORMAT_PCM) */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  byteRate: number;
  blockAlign: number;
  /** size of the data chunk, in bytes */
  dataBytes: number;
  durationSeconds: number;
}

/**
 * Parses a RIFF/WAVE header: walks the chunks (fmt may be followed by LIST, fact, … before
 * data) and returns the format and the length of the audio. Throws on anything that is not
 * a well-formed WAVE file.
 */
export function wavInfo(fileOrBuffer: string | Buffer): WavInfo {
  const buf = typeof fileOrBuffer === 'string' ? fs.readFileSync(fileOrBuffer) : fileOrBuffer;
  const name = typeof fileOrBuffer === 'string' ? fileOrBuffer : 'buffer';
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${name}: not a RIFF/WAVE file`);
  }
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationSeconds'> | undefined;
  let dataBytes: number | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new Error(`${name}: truncated fmt chunk`);
      fmt = {
        audioFormat: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        blockAlign: buf.readUInt16LE(body + 12),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (body + size > buf.length) throw new Error(`${name}: data chunk runs past the end of the file`);
      dataBytes = size;
    }
    offset = body + size + (size % 2); // chunks are word-aligned
  }
  if (fmt === undefined) throw new Error(`${name}: no fmt chunk`);
  if (dataBytes === undefined) throw new Error(`${name}: no data chunk`);
  if (fmt.byteRate === 0) throw new Error(`${name}: byte rate is 0`);
  return { ...fmt, dataBytes, durationSeconds: dataBytes / fmt.byteRate };
}
