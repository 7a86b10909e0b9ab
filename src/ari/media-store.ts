/**
 * Asterisk-side state that outlives a call: stored recordings (names, greetings, messages)
 * and message-waiting lamps. Both are plain ARI REST operations (./rest.ts), sent while the
 * engine has a client connected; while it has none, they reject with AriUnavailable.
 */
import { connectAriClient, retireClient } from './ari-client';
import { AriError, AriUnavailable } from './errors';
import { AriRest, type HttpMethod, type QueryParams } from './rest';

/** Asterisk's stored recordings (the audio is the source of truth for what exists). */
export interface StoredRecordings {
  exists(name: string): Promise<boolean>;
  /** Delete; a recording that is already gone is not an error. */
  remove(name: string): Promise<void>;
  /** Names of every stored recording (optionally only those starting with `prefix`). */
  list(prefix?: string): Promise<string[]>;
  /**
   * `from` becomes `to`, replacing any recording of that name, and `from` is gone. ARI has
   * no rename and its copy refuses an existing name (409), so it is delete, copy, delete:
   * for a moment between the first two, `to` does not exist.
   */
  move(from: string, to: string): Promise<void>;
}

/** Message-waiting indication (res_mwi_external): `PUT /mailboxes/{name}`. */
export interface MessageWaiting {
  /** Always sends both counts: a PUT without them resets the lamp to 0/0. */
  update(mailbox: string, counts: { oldMessages: number; newMessages: number }): Promise<void>;
}

/** How the operations reach Asterisk: undefined while it is not reachable (no client connected). */
export type RestSource = () => AriRest | undefined;

/** Bound on one of these requests. */
const REQUEST_TIMEOUT_MS = 10_000;

function send(source: RestSource, operation: string, method: HttpMethod, path: string, query?: QueryParams): Promise<unknown> {
  const rest = source();
  if (!rest) return Promise.reject(new AriUnavailable(operation, 'not connected to Asterisk'));
  return rest.send(operation, method, path, query, REQUEST_TIMEOUT_MS);
}

/** Asterisk answered 404 (AriUnavailable, no answer at all, has no status). */
export const isNotFound = (err: unknown): boolean => err instanceof AriError && err.status === 404;
const isConflict = (err: unknown): boolean => err instanceof AriError && err.status === 409;
/** Copies tried when another call keeps putting a recording at the destination meanwhile. */
const MOVE_ATTEMPTS = 3;
/** A stored recording's REST path (names with `/` travel as `%2F`). */
export const recordingPath = (name: string): string => `/recordings/stored/${encodeURIComponent(name)}`;

export function storedRecordingsVia(source: RestSource): StoredRecordings {
  const remove = async (name: string): Promise<void> => {
    try {
      await send(source, 'deleteStoredRecording', 'DELETE', recordingPath(name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };
  return {
    async exists(name) {
      try {
        await send(source, 'getStoredRecording', 'GET', recordingPath(name));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    remove,
    async list(prefix = '') {
      const stored = await send(source, 'listStoredRecordings', 'GET', '/recordings/stored');
      const names = Array.isArray(stored) ? stored.map((r: { name?: unknown } | null) => String(r?.name ?? '')) : [];
      return names.filter((n) => n !== '' && n.startsWith(prefix));
    },
    async move(from, to) {
      // Without this, a missing `from` would cost `to` and then fail.
      await send(source, 'getStoredRecording', 'GET', recordingPath(from));
      for (let attempt = 1; ; attempt++) {
        await remove(to);
        try {
          await send(source, 'copyStoredRecording', 'POST', `${recordingPath(from)}/copy`, { destinationRecordingName: to });
          break;
        } catch (err) {
          if (!isConflict(err) || attempt === MOVE_ATTEMPTS) throw err;
        }
      }
      await remove(from);
    },
  };
}

export function messageWaitingVia(source: RestSource): MessageWaiting {
  return {
    async update(mailbox, counts) {
      await send(source, 'updateMailbox', 'PUT', `/mailboxes/${encodeURIComponent(mailbox)}`, {
        oldMessages: counts.oldMessages,
        newMessages: counts.newMessages,
      });
    },
  };
}

/** Stored recordings and lamps over REST only, for tools (the admin CLI's doctor). */
export interface AriRestSession {
  recordings: StoredRecordings;
  lamps: MessageWaiting;
  close(): void;
}

/**
 * Connect for REST only: no events socket is opened, so the running application keeps its
 * Stasis app (a second socket would take it over). Rejects with AriConnectError.
 */
export async function connectAriRest(settings: { url: string; username: string; password: string }, timeoutMs: number): Promise<AriRestSession> {
  // The API-docs load tells a reachable ARI with these credentials from anything else.
  const client = await connectAriClient(settings.url, settings.username, settings.password, timeoutMs);
  const rest = new AriRest(settings);
  const source: RestSource = () => rest;
  return {
    recordings: storedRecordingsVia(source),
    lamps: messageWaitingVia(source),
    close: () => {
      retireClient(client);
      rest.close();
    },
  };
}
