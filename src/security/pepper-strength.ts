/**
 * Is a PIN pepper strong enough? The pepper is what keeps a stolen Redis dump from being
 * brute-forced: the PIN space is tiny (10^6 for 6 digits), so all the strength is in the
 * pepper. It must carry at least 32 bytes of randomness, written as hex (64+ characters) or
 * base64 (43+ characters, standard or URL-safe alphabet, padding optional), e.g.
 * `openssl rand -hex 32`.
 *
 * "Randomness" cannot be proven from one value; these checks refuse what is clearly not random
 * while a value really drawn at random passes (each threshold is far below what random values
 * reach, so a generated pepper is refused with negligible probability):
 * - whitespace anywhere (a pasted value with a space or a tab in it, or 20 spaces);
 * - too few bytes once decoded;
 * - few distinct bytes (`aaaa…`, `deadbeef` repeated): 32 random bytes have ~30 distinct
 *   values, the floor is half the length (at most 64);
 * - low per-character entropy of the text: random hex is ~3.75 bits per character (floor
 *   3.0), random base64 ~4.8 (floor 4.0);
 * - repetition: in random text nearly every 4-character window is distinct; a pattern
 *   repeated (`0123456789abcdef` four times) repeats its windows (floor: 85% distinct);
 * - keyboard and alphabet walks (`abcdef…`, `ABCD…`): neighbours that are the same or the
 *   next character are ~19% of random hex and ~5% of random base64 (ceilings 50% and 35%).
 *
 * Pure; never includes the value (or any part of it) in the reason it returns.
 */

export const MIN_PEPPER_BYTES = 32;
const MIN_BASE64_CHARS = Math.ceil((MIN_PEPPER_BYTES * 4) / 3);

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2})$/;

export const PEPPER_ADVICE = `use at least ${MIN_PEPPER_BYTES} random bytes written as hex or base64, e.g. openssl rand -hex ${MIN_PEPPER_BYTES}`;

/** Shannon entropy of the characters of `text`, in bits per character. */
function entropyPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function distinctWindowShare(text: string, width: number): number {
  const windows = text.length - width + 1;
  if (windows <= 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < windows; i++) seen.add(text.slice(i, i + width));
  return seen.size / windows;
}

/** Share of neighbouring characters that are equal or one code point apart. */
function stepShare(text: string): number {
  if (text.length < 2) return 0;
  let steps = 0;
  for (let i = 1; i < text.length; i++) if (Math.abs(text.charCodeAt(i) - text.charCodeAt(i - 1)) <= 1) steps++;
  return steps / (text.length - 1);
}

function decode(value: string): { bytes: Buffer; encoding: 'hex' | 'base64' } | null {
  if (HEX.test(value) && value.length % 2 === 0) return { bytes: Buffer.from(value, 'hex'), encoding: 'hex' };
  if (BASE64.test(value)) {
    const unpadded = value.replace(/=+$/, '');
    // A lone trailing character carries no full byte: not something an encoder writes.
    if (unpadded.length % 4 === 1) return null;
    return { bytes: Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64'), encoding: 'base64' };
  }
  return null;
}

/** Why `value` is not an acceptable pepper, as a sentence; null when it is acceptable. */
export function pepperWeakness(value: string): string | null {
  if (value.length === 0) return 'is empty';
  if (/\s/.test(value)) return 'contains whitespace';
  // 32 bytes are at least 43 base64 characters (64 in hex).
  if (value.length < MIN_BASE64_CHARS) return `is too short (${value.length} characters, at least ${MIN_BASE64_CHARS} base64 or ${2 * MIN_PEPPER_BYTES} hex needed)`;
  const decoded = decode(value);
  if (decoded === null) return 'is neither hex nor base64';
  const { bytes, encoding } = decoded;
  if (bytes.length < MIN_PEPPER_BYTES) return `is too short (${bytes.length} bytes once decoded, at least ${MIN_PEPPER_BYTES} needed)`;
  const text = value.replace(/=+$/, '');
  const distinct = new Set(bytes).size;
  const minEntropy = encoding === 'hex' ? 3.0 : 4.0;
  if (distinct < Math.min(64, bytes.length / 2) || entropyPerChar(encoding === 'hex' ? text.toLowerCase() : text) < minEntropy) {
    return 'has too little randomness (too few different characters)';
  }
  const chars = encoding === 'hex' ? text.toLowerCase() : text;
  if (distinctWindowShare(chars, 4) < 0.85) return 'has too little randomness (a repeated pattern)';
  if (stepShare(chars) > (encoding === 'hex' ? 0.5 : 0.35)) return 'has too little randomness (a run of neighbouring characters)';
  return null;
}
