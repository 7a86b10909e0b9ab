/**
 * Generates the portal's prompts from sounds/catalog.json:
 *   sounds/<lang>/voice-portal/<id>.wav  (8 kHz, mono, 16-bit signed PCM: Asterisk's "wav")
 *
 * Usage (npm run sounds -- [options]):
 *   (no option)  regenerate only the prompts whose text or synthesis settings changed
 *   --force      regenerate every prompt
 *   --check      change nothing; exit 1 if any prompt is missing, stale or orphaned
 *
 * Needs Debian's espeak-ng and sox (apt-get install espeak-ng sox) except with --check.
 * The WAVs are committed, so users of the portal need neither tool.
 *
 * "Changed" is decided by sounds/generated.json, which records for every prompt a fingerprint
 * of what produced it (text, voice, synthesis settings). Comparing WAV bytes would not work:
 * the synthesis is deterministic here, but not guaranteed to be across espeak-ng versions,
 * and a new espeak-ng alone is no reason to rewrite every committed file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SOUNDS_DIR = path.resolve(__dirname, '..', 'sounds');
export const CATALOG_PATH = path.join(SOUNDS_DIR, 'catalog.json');
export const MANIFEST_PATH = path.join(SOUNDS_DIR, 'generated.json');
/** Asterisk looks sounds up as <sounds dir>/<lang>/<name>; the app plays sound:voice-portal/<id>. */
export const SOUND_SUBDIR = 'voice-portal';

export type Language = 'en' | 'fr';
export const LANGUAGES: readonly Language[] = ['en', 'fr'];
export type Catalog = Record<string, Record<Language, string>>;

/** How each language is spoken. Part of every fingerprint: changing it regenerates that language. */
interface Voice {
  readonly espeakVoice: string;
  /** words per minute: a little slower than espeak's 175 default, for 8 kHz telephone audio */
  readonly wordsPerMinute: number;
  readonly pitch: number;
}
const VOICES: Record<Language, Voice> = {
  en: { espeakVoice: 'en-us', wordsPerMinute: 160, pitch: 45 },
  fr: { espeakVoice: 'fr-fr', wordsPerMinute: 160, pitch: 45 },
};
/** The sox conversion; bump PIPELINE_VERSION whenever it changes so every prompt is redone. */
const PIPELINE_VERSION = 1;
const SAMPLE_RATE = 8000;

export function wavPath(lang: Language, id: string): string {
  return path.join(SOUNDS_DIR, lang, SOUND_SUBDIR, `${id}.wav`);
}

export function readCatalog(file: string = CATALOG_PATH): Catalog {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected an object of prompt ids`);
  }
  const catalog: Catalog = {};
  for (const [id, entry] of Object.entries(parsed as Record<string, unknown>)) {
    // Ids become file names and Asterisk sound names: keep them to a safe alphabet.
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) throw new Error(`${file}: bad prompt id "${id}"`);
    if (typeof entry !== 'object' || entry === null) throw new Error(`${file}: "${id}" is not an object`);
    const texts = entry as Record<string, unknown>;
    const byLang = {} as Record<Language, string>;
    for (const lang of LANGUAGES) {
      const text = texts[lang];
      if (typeof text !== 'string' || text.trim() === '') {
        throw new Error(`${file}: "${id}" has no ${lang} text`);
      }
      byLang[lang] = text;
    }
    catalog[id] = byLang;
  }
  return catalog;
}

/** What produced a prompt's WAV; a different fingerprint means the WAV is stale. */
export function fingerprint(lang: Language, text: string): string {
  const inputs = { text, voice: VOICES[lang], pipeline: PIPELINE_VERSION, rate: SAMPLE_RATE };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

export type Manifest = Record<string, string>;
const manifestKey = (lang: Language, id: string): string => `${lang}/${id}`;

export function readManifest(file: string = MANIFEST_PATH): Manifest {
  if (!fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
}

export interface Plan {
  /** prompts whose WAV is missing or was made from other text/settings */
  readonly toGenerate: { lang: Language; id: string; text: string; fingerprint: string }[];
  /** WAVs in sounds/<lang>/voice-portal/ whose id is no longer in the catalog */
  readonly orphans: string[];
}

export function plan(catalog: Catalog, manifest: Manifest, force = false): Plan {
  const toGenerate: Plan['toGenerate'] = [];
  const orphans: string[] = [];
  for (const lang of LANGUAGES) {
    for (const [id, texts] of Object.entries(catalog)) {
      const fp = fingerprint(lang, texts[lang]);
      const upToDate = manifest[manifestKey(lang, id)] === fp && fs.existsSync(wavPath(lang, id));
      if (force || !upToDate) toGenerate.push({ lang, id, text: texts[lang], fingerprint: fp });
    }
    const dir = path.join(SOUNDS_DIR, lang, SOUND_SUBDIR);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith('.wav') && !(name.slice(0, -4) in catalog)) orphans.push(path.join(dir, name));
    }
  }
  return { toGenerate, orphans };
}

function requireTool(tool: string): void {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} not found: apt-get install espeak-ng sox (Debian) and run again`);
  }
}

/** espeak-ng speaks at 22.05 kHz; sox resamples to Asterisk's 8 kHz slin and normalises loudness. */
function synthesize(lang: Language, text: string, target: string, workDir: string): void {
  const voice = VOICES[lang];
  const raw = path.join(workDir, 'espeak.wav');
  const converted = path.join(workDir, 'converted.wav');
  // Text on stdin, never through a shell: prompts contain apostrophes and colons.
  execFileSync(
    'espeak-ng',
    ['-v', voice.espeakVoice, '-s', String(voice.wordsPerMinute), '-p', String(voice.pitch), '-b', '1', '-w', raw, '--stdin'],
    { input: text, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  // -D: no dither, so the same input always gives the same bytes (no noise in git diffs).
  execFileSync(
    'sox',
    [raw, '-D', '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', converted, 'rate', String(SAMPLE_RATE), 'norm', '-3'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Rename into place so an interrupted run never leaves a truncated WAV behind.
  fs.copyFileSync(converted, `${target}.tmp`);
  fs.renameSync(`${target}.tmp`, target);
}

function writeManifest(catalog: Catalog, manifest: Manifest): void {
  const sorted: Manifest = {};
  for (const lang of LANGUAGES) {
    for (const id of Object.keys(catalog).sort()) {
      const key = manifestKey(lang, id);
      if (manifest[key] !== undefined) sorted[key] = manifest[key];
    }
  }
  fs.writeFileSync(MANIFEST_PATH, `${JSON.stringify(sorted, null, 2)}\n`);
}

function main(argv: readonly string[]): number {
  const force = argv.includes('--force');
  const checkOnly = argv.includes('--check');
  const catalog = readCatalog();
  const manifest = readManifest();
  const work = plan(catalog, manifest, force);

  if (checkOnly) {
    for (const p of work.toGenerate) console.log(`stale or missing: ${p.lang}/${p.id}`);
    for (const o of work.orphans) console.log(`not in catalog: ${path.relative(SOUNDS_DIR, o)}`);
    const clean = work.toGenerate.length === 0 && work.orphans.length === 0;
    console.log(clean ? 'sounds: up to date' : 'sounds: run `npm run sounds` to regenerate');
    return clean ? 0 : 1;
  }

  if (work.toGenerate.length > 0) {
    requireTool('espeak-ng');
    requireTool('sox');
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-portal-sounds-'));
  try {
    for (const p of work.toGenerate) {
      synthesize(p.lang, p.text, wavPath(p.lang, p.id), workDir);
      manifest[manifestKey(p.lang, p.id)] = p.fingerprint;
      console.log(`generated ${p.lang}/${SOUND_SUBDIR}/${p.id}.wav`);
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  for (const orphan of work.orphans) {
    fs.rmSync(orphan);
    console.log(`removed ${path.relative(SOUNDS_DIR, orphan)} (no longer in the catalog)`);
  }
  writeManifest(catalog, manifest);
  const total = Object.keys(catalog).length * LANGUAGES.length;
  console.log(`sounds: ${work.toGenerate.length} generated, ${total - work.toGenerate.length} unchanged, ${work.orphans.length} removed`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
