/**
 * The `.txt` envelope app_voicemail writes beside each message (`msg0000.txt`):
 *
 *     ;
 *     ; Message Information file
 *     ;
 *     [message]
 *     origmailbox=1001
 *     callerid="Zoé Durand" <0611223344>
 *     origtime=1764664800
 *     msg_id=1764664800-00000003
 *     duration=12
 *
 * Pure. Unknown keys are ignored; a missing or unreadable value stays undefined (the import
 * then falls back on the audio file's own length and date).
 */
import { decodeLines } from './text';

export interface MessageEnvelope {
  callerNumber: string;
  callerName: string;
  /** Seconds since the epoch. */
  origTime?: number;
  durationSec?: number;
  /** Asterisk 11+: unique and stable across moves between folders. */
  msgId?: string;
  /** `Urgent` for urgent messages. */
  flag?: string;
}

/** `"Name" <1234>`, `Name <1234>`, `<1234>`, `1234`, `Unknown` → name and number. */
export function parseCallerId(value: string): { name: string; number: string } {
  const v = value.trim();
  const angle = /^(.*?)\s*<([^>]*)>\s*$/.exec(v);
  if (angle) {
    const name = (angle[1] as string).trim().replace(/^"(.*)"$/, '$1').trim();
    return { name, number: (angle[2] as string).trim() };
  }
  if (/^\+?[\d*#]+$/.test(v)) return { name: '', number: v };
  if (/^(unknown|anonymous|)$/i.test(v)) return { name: '', number: '' };
  return { name: v.replace(/^"(.*)"$/, '$1'), number: '' };
}

export function parseEnvelope(data: Uint8Array): MessageEnvelope {
  const values = new Map<string, string>();
  for (const raw of decodeLines(data)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const number = (key: string): number | undefined => {
    const v = values.get(key);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const caller = parseCallerId(values.get('callerid') ?? '');
  const msgId = values.get('msg_id');
  const flag = values.get('flag');
  const origTime = number('origtime');
  const durationSec = number('duration');
  return {
    callerNumber: caller.number,
    callerName: caller.name,
    ...(origTime !== undefined ? { origTime } : {}),
    ...(durationSec !== undefined ? { durationSec } : {}),
    ...(msgId ? { msgId } : {}),
    ...(flag ? { flag } : {}),
  };
}

/** Length of a PCM WAV file from its header (for a message without a `.txt`); undefined if not PCM WAV. */
export function wavDurationSec(data: Uint8Array): number | undefined {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ' && off + 16 <= buf.length) byteRate = buf.readUInt32LE(off + 8 + 8);
    if (id === 'data') return byteRate ? Math.round(Math.min(size, buf.length - off - 8) / byteRate) : undefined;
    off += 8 + size + (size % 2);
  }
  return undefined;
}
