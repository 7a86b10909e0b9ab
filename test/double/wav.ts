/**
 * Just enough RIFF/WAVE handling for the double: read a sound's duration from its header
 * (so a prompt lasts as long as the real file) and write the silent 8 kHz 16-bit mono files
 * that `GET /recordings/stored/{name}/file` returns (Asterisk's `wav` format is slin 8 kHz).
 * The header parser is also what the prompt tests use to check the generated sounds.
 */
import { readFileSync } from 'node:fs';

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
 * a well-formed WAVE file. `clipTruncatedData`: a data chunk that claims more than the file
 * holds (a header a recorder never finalised) counts as what is there instead of an error.
 */
export function wavInfo(fileOrBuffer: string | Buffer, opts: { clipTruncatedData?: boolean } = {}): WavInfo {
  const buf = typeof fileOrBuffer === 'string' ? readFileSync(fileOrBuffer) : fileOrBuffer;
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
      if (body + size > buf.length) {
        if (!opts.clipTruncatedData) throw new Error(`${name}: data chunk runs past the end of the file`);
        dataBytes = buf.length - body;
        break;
      }
      dataBytes = size;
    }
    offset = body + size + (size % 2); // chunks are word-aligned
  }
  if (fmt === undefined) throw new Error(`${name}: no fmt chunk`);
  if (dataBytes === undefined) throw new Error(`${name}: no data chunk`);
  if (fmt.byteRate === 0) throw new Error(`${name}: byte rate is 0`);
  return { ...fmt, dataBytes, durationSeconds: dataBytes / fmt.byteRate };
}

/** Duration in ms of a PCM WAV file, or undefined when the buffer is not a readable WAV. */
export function wavDurationMs(file: Buffer): number | undefined {
  try {
    return wavInfo(file, { clipTruncatedData: true }).durationSeconds * 1000;
  } catch {
    return undefined;
  }
}

const SAMPLE_RATE = 8000;
const BYTES_PER_SAMPLE = 2;

/** A silent 8 kHz, 16-bit, mono PCM WAV lasting `seconds`. */
export function silentWav(seconds: number): Buffer {
  const dataBytes = Math.max(0, Math.round(seconds * SAMPLE_RATE)) * BYTES_PER_SAMPLE;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(SAMPLE_RATE, 24);
  wav.writeUInt32LE(SAMPLE_RATE * BYTES_PER_SAMPLE, 28); // byte rate
  wav.writeUInt16LE(BYTES_PER_SAMPLE, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  return wav;
}
