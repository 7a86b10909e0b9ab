/**
 * Stored recordings over ARI's plain REST interface: the audio of a message or greeting
 * (`GET /ari/recordings/stored/{name}/file`, Asterisk 14+, the WAV as Asterisk stored it),
 * streamed for the self-service HTTP API (issue #15) or whole for the new-message e-mail's
 * attachment (issue #16), and the exists / delete / list operations. The application need
 * not run on the PBX or see its spool directory.
 *
 * The audio is streamed by its own request (a binary body, read as it comes); exists / delete
 * / list are the same operations the engine uses (./media-store.ts over ./rest.ts). None
 * depends on the engine's events socket (a REST request works while that socket
 * reconnects). Failures are AriUnavailable (not reachable) or AriError with the status.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { AriError, AriUnavailable, messageFromBody } from './errors';
import { storedRecordingsVia, type StoredRecordings } from './media-store';
import { AriRest } from './rest';

export interface AriHttpSettings {
  /** Base URL of Asterisk's HTTP server, e.g. http://127.0.0.1:8088 */
  url: string;
  username: string;
  password: string;
}

/** A stored recording's audio, streaming. The receiver must consume or destroy `body`. */
export interface RecordingFile {
  contentType: string;
  /** Bytes, when Asterisk said. */
  contentLength?: number;
  body: Readable;
}

export interface RecordingFiles extends StoredRecordings {
  /** The recording's audio; AriError with status 404 when there is no such recording. */
  open(name: string): Promise<RecordingFile>;
  /** The recording's audio in memory (an e-mail attachment); refused past MAX_FILE_BYTES. */
  fetch(name: string): Promise<Buffer>;
}

const REQUEST_TIMEOUT_MS = 5000;
/** A 3-hour 16 kHz WAV is about 350 MB: anything past this is not one of our recordings. */
const MAX_FILE_BYTES = 128 * 1024 * 1024;

function request(settings: AriHttpSettings, method: string, path: string, operation: string): Promise<http.IncomingMessage> {
  const url = new URL(`${settings.url.replace(/\/+$/, '')}/ari${path}`);
  const transport = url.protocol === 'https:' ? https : http;
  const auth = Buffer.from(`${settings.username}:${settings.password}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, headers: { authorization: `Basic ${auth}` }, timeout: REQUEST_TIMEOUT_MS }, resolve);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (err) => reject(new AriUnavailable(operation, err.message)));
    req.end();
  });
}

async function readText(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function failure(operation: string, res: http.IncomingMessage): Promise<AriError> {
  const text = await readText(res).catch(() => '');
  return new AriError(operation, text === '' ? `HTTP ${res.statusCode ?? 0}` : messageFromBody(text), res.statusCode);
}

const recordingPath = (name: string): string => `/recordings/stored/${encodeURIComponent(name)}`;

async function readWhole(operation: string, file: RecordingFile): Promise<Buffer> {
  const tooLarge = (bytes: number): AriError => new AriError(operation, `recording too large (${bytes} bytes)`, 200);
  if ((file.contentLength ?? 0) > MAX_FILE_BYTES) {
    file.body.destroy();
    throw tooLarge(file.contentLength ?? 0);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of file.body) {
      total += (chunk as Buffer).length;
      if (total > MAX_FILE_BYTES) {
        file.body.destroy();
        throw tooLarge(total);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof AriError) throw err;
    throw new AriUnavailable(operation, err instanceof Error ? err.message : String(err));
  }
  return Buffer.concat(chunks);
}

export function recordingFilesOverHttp(settings: AriHttpSettings): RecordingFiles {
  const rest = new AriRest(settings);
  const open = async (name: string): Promise<RecordingFile> => {
    const res = await request(settings, 'GET', `${recordingPath(name)}/file`, 'getStoredRecordingFile');
    if (res.statusCode !== 200) throw await failure('getStoredRecordingFile', res);
    const length = Number(res.headers['content-length']);
    return {
      contentType: res.headers['content-type'] ?? 'application/octet-stream',
      ...(Number.isInteger(length) && length >= 0 ? { contentLength: length } : {}),
      body: res,
    };
  };
  return {
    async fetch(name) {
      return readWhole('getStoredRecordingFile', await open(name));
    },
    open,
    ...storedRecordingsVia(() => rest),
  };
}
