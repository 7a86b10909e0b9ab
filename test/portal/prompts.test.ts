/**
 * Every prompt the code can play is in the catalog with an en and a fr recording of the
 * right format (8 kHz mono 16-bit, longer than 0.3 s).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROMPT_IDS } from '../../src/portal/prompts';
import { loadCatalog, promptWavPath, wavInfo } from '../sounds/catalog';

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [],
  );
}

test('every PromptId is in the catalog with an en and a fr WAV of the right format', () => {
  const catalog = loadCatalog();
  for (const id of PROMPT_IDS) {
    expect(catalog[id]).toBeDefined();
    for (const lang of ['en', 'fr'] as const) {
      const info = wavInfo(promptWavPath(lang, id));
      expect({ id, lang, rate: info.sampleRate, channels: info.channels, bits: info.bitsPerSample }).toEqual({
        id,
        lang,
        rate: 8000,
        channels: 1,
        bits: 16,
      });
      expect(info.durationSeconds).toBeGreaterThan(0.3);
    }
  }
});

test('the code names portal prompts only through PromptId (no literal sound:voice-portal/ URIs elsewhere)', () => {
  const offenders = sourceFiles(SRC)
    .filter((f) => !f.endsWith(path.join('portal', 'prompts.ts')))
    .filter((f) => /sound:voice-portal\//.test(readFileSync(f, 'utf8')));
  expect(offenders).toEqual([]);
});
