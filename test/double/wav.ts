/**
 * Just enough RIFF/WAVE handling for the double: read a sound's duration from its header
 * (so a prompt lasts as long as the real file) and write the silent 8 kHz 16-bit mono files
 * that `GET /recordings/stored/{name}/file` returns (Asterisk's `wav` format is slin 8 kHz).
 */

/** Duration in ms of a PCM WAV file, or undefined when the buffer is not a readable WAV. */
export function wavDurationMs(file: Buffer): number | undefined {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    return undefined;
  }
  let byteRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const chunkId = file.toString('ascii', offset, offset + 4);
    const chunkSize = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (chunkId === 'fmt ' && body + 12 <= file.length) {
      byteRate = file.readUInt32LE(body + 8);
    } else if (chunkId === 'data') {
      if (!byteRate) return undefined;
      // A header written by a recorder that never finalised it may claim more than exists.
      const dataBytes = Math.min(chunkSize, file.length - body);
      return (dataBytes / byteRate) * 1000;
    }
    offset = body + chunkSize + (chunkSize % 2); // chunks are word aligned
  }
  return undefined;
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
