/**
 * What app_voicemail keeps for one mailbox under its spool
 * (`/var/spool/asterisk/voicemail/<context>/<mailbox>/`):
 *
 * - folders `INBOX` (new), `Old`, `Work`, `Family`, `Friends`, `Cust1`…`Cust5` (heard),
 *   `Urgent` (new, urgent), each with `msgNNNN.<format>` audio (one file per recorded
 *   format: `wav`, `WAV` = wav49, `gsm`, …) and a `msgNNNN.txt` envelope (sometimes missing);
 * - `greet.*` (the recorded name), `busy.*`, `unavail.*`, `temp.*` (temporary greeting).
 *
 * This module only lists files; the bytes are read by the caller.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface SpoolAudio {
  /** Every format of the same recording: extension (`wav`, `WAV`, `gsm`) → path. */
  files: Record<string, string>;
}

export interface SpoolMessage extends SpoolAudio {
  folder: string;
  /** `msg0003` */
  base: string;
  /** The `.txt` envelope, when present. */
  envelope?: string;
  /** Time of the newest audio file (ms), the fallback for a missing envelope. */
  mtimeMs: number;
}

export interface SpoolMailbox {
  dir: string;
  exists: boolean;
  messages: SpoolMessage[];
  name?: SpoolAudio;
  busy?: SpoolAudio;
  unavailable?: SpoolAudio;
  temporary?: SpoolAudio;
}

/** Folders whose messages are new; every other folder holds heard (saved) messages. */
export const NEW_FOLDERS = new Set(['INBOX', 'Urgent']);
const AUDIO_EXTENSIONS = new Set(['wav', 'WAV', 'gsm', 'g722', 'g729', 'ulaw', 'alaw', 'sln', 'sln16', 'ogg', 'mp3', 'g726', 'siren7', 'siren14', 'wav16']);

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function splitName(file: string): { base: string; ext: string } | null {
  const dot = file.lastIndexOf('.');
  return dot > 0 ? { base: file.slice(0, dot), ext: file.slice(dot + 1) } : null;
}

function audioOf(dir: string, base: string, files: string[]): SpoolAudio | undefined {
  const found: Record<string, string> = {};
  for (const file of files) {
    const parts = splitName(file);
    if (parts && parts.base === base && AUDIO_EXTENSIONS.has(parts.ext)) found[parts.ext] = join(dir, file);
  }
  return Object.keys(found).length > 0 ? { files: found } : undefined;
}

export function scanMailbox(spool: string, context: string, mailbox: string): SpoolMailbox {
  const dir = join(spool, context, mailbox);
  if (!existsSync(dir)) return { dir, exists: false, messages: [] };
  const top = entries(dir);
  const messages: SpoolMessage[] = [];
  for (const folder of top) {
    const folderDir = join(dir, folder);
    if (!statSync(folderDir).isDirectory() || folder === 'tmp' || folder === 'temp') continue;
    const files = entries(folderDir);
    const bases = new Set<string>();
    for (const file of files) {
      const parts = splitName(file);
      if (parts && /^msg\d{4}$/.test(parts.base) && (AUDIO_EXTENSIONS.has(parts.ext) || parts.ext === 'txt')) bases.add(parts.base);
    }
    for (const base of [...bases].sort()) {
      const audio = audioOf(folderDir, base, files);
      const envelope = files.includes(`${base}.txt`) ? join(folderDir, `${base}.txt`) : undefined;
      const mtimeMs = audio ? Math.max(...Object.values(audio.files).map((f) => statSync(f).mtimeMs)) : 0;
      messages.push({ folder, base, files: audio?.files ?? {}, ...(envelope ? { envelope } : {}), mtimeMs });
    }
  }
  const name = audioOf(dir, 'greet', top);
  const busy = audioOf(dir, 'busy', top);
  const unavailable = audioOf(dir, 'unavail', top);
  const temporary = audioOf(dir, 'temp', top);
  return {
    dir,
    exists: true,
    messages,
    ...(name ? { name } : {}),
    ...(busy ? { busy } : {}),
    ...(unavailable ? { unavailable } : {}),
    ...(temporary ? { temporary } : {}),
  };
}
