/**
 * Text as app_voicemail's files hold it: usually UTF-8, but years-old voicemail.conf files
 * and envelopes are often latin-1 (a name typed on an old console). Each line is decoded on
 * its own: UTF-8 when it is valid UTF-8, latin-1 otherwise (every byte is a latin-1
 * character, so nothing is ever lost or replaced).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeLine(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

/** The lines of a file, each decoded by itself, without their line endings (LF or CRLF). */
export function decodeLines(data: Uint8Array): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i === data.length || data[i] === 0x0a) {
      let end = i;
      if (end > start && data[end - 1] === 0x0d) end--;
      lines.push(decodeLine(data.subarray(start, end)));
      start = i + 1;
    }
  }
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // A UTF-8 byte-order mark (Windows editors) is not part of the first line.
  if (lines[0]?.startsWith('\ufeff')) lines[0] = lines[0].slice(1);
  return lines;
}
