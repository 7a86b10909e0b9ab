/**
 * The audio of a stored recording: `GET /ari/recordings/stored/{name}/file` (Asterisk 14+),
 * for the new-message e-mail's attachment (issue #16).
 *
 * Plain `fetch` with Basic auth rather than ari-client: swagger-client 2.0 decodes every
 * response body as text, which corrupts binary audio. This is still the ARI REST API of the
 * same Asterisk, with the same credentials, so the application need not run on the PBX or
 * see its spool directory. Names with `/` travel as `%2F`, as ari-client sends them too.
 */
import { AriError, AriUnavailable } from './errors';

export interface RecordingFiles {
  /** The recording's file as Asterisk stores it (a WAV for the portal's recordings). */
  fetch(name: string): Promise<Buffer>;
}

export interface AriHttpSettings {
  url: string;
  username: string;
  password: string;
}

/** A 3-hour 16 kHz WAV is about 350 MB: anything past this is not one of our recordings. */
const MAX_FILE_BYTES = 128 * 1024 * 1024;

export function recordingFilesVia(settings: AriHttpSettings, timeoutMs = 30_000): RecordingFiles {
  const base = settings.url.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;
  return {
    async fetch(name) {
      const operation = 'getStoredRecordingFile';
      let res: Response;
      try {
        res = await fetch(`${base}/ari/recordings/stored/${encodeURIComponent(name)}/file`, {
          headers: { authorization },
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        throw new AriUnavailable(operation, err instanceof Error ? err.message : String(err));
      }
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        let message = body;
        try {
          message = String((JSON.parse(body) as { message?: unknown }).message ?? body);
        } catch {
          // not JSON: keep the text
        }
        throw new AriError(operation, message.slice(0, 200), res.status);
      }
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > MAX_FILE_BYTES) throw new AriError(operation, `recording too large (${length} bytes)`, res.status);
      const data = Buffer.from(await res.arrayBuffer());
      if (data.length > MAX_FILE_BYTES) throw new AriError(operation, `recording too large (${data.length} bytes)`, res.status);
      return data;
    },
  };
}
