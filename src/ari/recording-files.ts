/**
 * Stored recordings over ARI's plain REST interface: the audio of a message or greeting
 * (`GET /ari/recordings/stored/{name}/file`, Asterisk 14+, the WAV as Asterisk stored it),
 * streamed for the self-service HTTP API (issue #15) or whole for the new-message e-mail's
 * attachment (issue #16), and the exists / delete / list operations. The application need
 * not run on the PBX or see its spool directory.
 *
 * All over ./rest.ts (its kept-alive, bounded connections): the audio as a stream (a binary
 * body, read as it comes), exists / delete / list as the engine's own (./media-store.ts).
 * None depends on the engine's events socket (a REST request works while that socket
 * reconnects). Failures are AriUnavailable (not reachable) or AriError with the status.
 */
import type { Readable } from 'node:stream';
import { AriError, AriUnavailable } from './errors';
import { isNotFound, recordingPath, storedRecordingsVia, type StoredRecordings } from './media-store';
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
    const res = await rest.open('getStoredRecordingFile', `${recordingPath(name)}/file`, REQUEST_TIMEOUT_MS);
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

/**
 * The recordings of several Asterisk servers (ARI_SERVERS) as one. The servers share their
 * recording directory (README "High availability"), so any server that answers will do: one
 * that is down is passed over, and so is one that says 404 (in case a recording is on one
 * server only). A 404 from a server that answered wins over another being down. Deleting
 * asks every server (each may hold a copy) and fails only when none answered.
 */
export function recordingFilesOnServers(servers: readonly RecordingFiles[]): RecordingFiles {
  const [only] = servers;
  if (!only) throw new Error('recordingFilesOnServers: no server');
  if (servers.length === 1) return only;
  const firstFound = async <T>(operation: (files: RecordingFiles) => Promise<T>): Promise<T> => {
    let failure: unknown;
    for (const files of servers) {
      try {
        return await operation(files);
      } catch (err) {
        if (!(err instanceof AriUnavailable) && !isNotFound(err)) throw err;
        if (failure === undefined || isNotFound(err)) failure = err;
      }
    }
    throw failure;
  };
  /** `operation` on every server; the answers of those that answered (at least one). */
  const everyServer = async <T>(operation: (files: RecordingFiles) => Promise<T>): Promise<T[]> => {
    const answers: T[] = [];
    let down: unknown;
    for (const files of servers) {
      try {
        answers.push(await operation(files));
      } catch (err) {
        if (!(err instanceof AriUnavailable)) throw err;
        down = err;
      }
    }
    if (answers.length === 0) throw down;
    return answers;
  };
  return {
    open: (name) => firstFound((files) => files.open(name)),
    fetch: (name) => firstFound((files) => files.fetch(name)),
    async exists(name) {
      return (await everyServer((files) => files.exists(name))).some(Boolean);
    },
    async remove(name) {
      await everyServer((files) => files.remove(name));
    },
    async list(prefix) {
      return [...new Set((await everyServer((files) => files.list(prefix))).flat())].sort();
    },
    move: (from, to) => firstFound((files) => files.move(from, to)),
  };
}
