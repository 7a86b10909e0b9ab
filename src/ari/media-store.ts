/**
 * Asterisk-side state that outlives a call: stored recordings (names, greetings, messages)
 * and message-waiting lamps. Both are plain ARI REST operations on whichever client is
 * connected; while none is, they reject with AriUnavailable.
 */
import { connectAriClient, retireClient, type AriClient } from './ari-client';
import { AriError, AriUnavailable, toAriError } from './errors';

/** Asterisk's stored recordings (the audio is the source of truth for what exists). */
export interface StoredRecordings {
  exists(name: string): Promise<boolean>;
  /** Delete; a recording that is already gone is not an error. */
  remove(name: string): Promise<void>;
  /** Names of every stored recording (optionally only those starting with `prefix`). */
  list(prefix?: string): Promise<string[]>;
}

/** Message-waiting indication (res_mwi_external): `PUT /mailboxes/{name}`. */
export interface MessageWaiting {
  /** Always sends both counts: a PUT without them resets the lamp to 0/0. */
  update(mailbox: string, counts: { oldMessages: number; newMessages: number }): Promise<void>;
}

/** How the operations reach Asterisk: the client of the moment (undefined while disconnected). */
type ClientSource = () => AriClient | undefined;

async function send<T>(source: ClientSource, operation: string, request: (client: AriClient) => PromiseLike<T>): Promise<T> {
  const client = source();
  if (!client) throw new AriUnavailable(operation, 'not connected to Asterisk');
  try {
    return await request(client);
  } catch (err) {
    throw toAriError(operation, err);
  }
}

const isNotFound = (err: unknown): boolean => err instanceof AriError && err.status === 404;

export function storedRecordingsVia(source: ClientSource): StoredRecordings {
  return {
    async exists(name) {
      try {
        await send(source, 'getStoredRecording', (c) => c.recordings.getStored({ recordingName: name }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async remove(name) {
      try {
        await send(source, 'deleteStoredRecording', (c) => c.recordings.deleteStored({ recordingName: name }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    async list(prefix = '') {
      const stored = await send(source, 'listStoredRecordings', (c) => c.recordings.listStored());
      const names = Array.isArray(stored) ? stored.map((r: { name?: unknown }) => String(r.name ?? '')) : [];
      return names.filter((n) => n !== '' && n.startsWith(prefix));
    },
  };
}

export function messageWaitingVia(source: ClientSource): MessageWaiting {
  return {
    async update(mailbox, counts) {
      await send(source, 'updateMailbox', (c) =>
        c.mailboxes.update({ mailboxName: mailbox, oldMessages: counts.oldMessages, newMessages: counts.newMessages }),
      );
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
  const client = await connectAriClient(settings.url, settings.username, settings.password, timeoutMs);
  const source: ClientSource = () => client;
  return {
    recordings: storedRecordingsVia(source),
    lamps: messageWaitingVia(source),
    close: () => retireClient(client),
  };
}
