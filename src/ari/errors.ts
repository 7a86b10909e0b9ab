/**
 * Typed errors that leave src/ari. ari-client rejects with a plain `Error` whose message is
 * the raw response body (`'{"message":"Channel not found"}'`), or even with a bare string
 * (swagger-client's "channelId is a required path param."); nothing outside this folder
 * should ever have to parse those. `toAriError` is the one place that does.
 */

/** The caller hung up (or the channel left Stasis): the flow should unwind quietly. */
export class CallEnded extends Error {
  override name = 'CallEnded';
  constructor(readonly channelId: string) {
    super(`call ${channelId} has ended`);
  }
}

/**
 * An ARI request failed. `status` is the HTTP status the response body stands for (ari-client
 * drops the real one; it is recovered from Asterisk's message, see `statusFor`), undefined when
 * the message is not one we recognise. `ariMessage` is Asterisk's own text.
 */
export class AriError extends Error {
  override name = 'AriError';
  constructor(
    readonly operation: string,
    readonly ariMessage: string,
    readonly status: number | undefined,
  ) {
    super(`ARI ${operation} failed${status === undefined ? '' : ` (${status})`}: ${ariMessage}`);
  }
}

/** Asterisk could not be reached (connection refused, no client connected right now). */
export class AriUnavailable extends AriError {
  override name = 'AriUnavailable';
  constructor(operation: string, reason: string) {
    super(operation, reason, undefined);
  }
}

/** The connect-time API-docs load failed (bad credentials, not an ARI server, ...). */
export class AriConnectError extends Error {
  override name = 'AriConnectError';
  constructor(
    message: string,
    /** True when retrying cannot help by itself (401: wrong username or password). */
    readonly authentication: boolean,
  ) {
    super(message);
  }
}

/** A verb was called while another one is still running on the same call (a flow bug). */
export class CallBusy extends Error {
  override name = 'CallBusy';
  constructor(channelId: string, running: string, requested: string) {
    super(`call ${channelId}: ${requested}() called while ${running}() is still running`);
  }
}

/** Asterisk reported that a recording failed (RecordingFailed event, state "failed"). */
export class RecordingFailed extends Error {
  override name = 'RecordingFailed';
  constructor(readonly recordingName: string, cause: string) {
    super(`recording ${recordingName} failed: ${cause}`);
  }
}

/**
 * Asterisk never said how a recording ended (its RecordingFinished was lost, e.g. during a
 * WebSocket gap): the engine stopped waiting after maxSeconds plus a grace period.
 */
export class RecordingLost extends Error {
  override name = 'RecordingLost';
  constructor(readonly recordingName: string) {
    super(`recording ${recordingName}: no RecordingFinished from Asterisk`);
  }
}

/**
 * HTTP status for the messages Asterisk 22 puts in its error bodies (res_ari_*.c), so callers
 * can branch on `status` as they would with a client that kept the real code.
 */
function statusFor(message: string): number | undefined {
  if (/not found|does not exist/i.test(message)) return 404;
  if (/already exists|not in Stasis|in use/i.test(message)) return 409;
  if (/unknown on this system|not supported|invalid (format|value)/i.test(message)) return 422;
  if (/^Invalid method/i.test(message)) return 405;
  if (/Authentication required/i.test(message)) return 401;
  if (/required|must be|bad request/i.test(message)) return 400;
  if (/Failed to|Allocation failed|Internal/i.test(message)) return 500;
  return undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'ECONNABORTED']);

/**
 * Error-like, by shape: errors raised by Node's own modules come from another realm under
 * jest's vm sandbox (and could from worker threads), where `instanceof Error` is false.
 */
export function isErrorLike(value: unknown): value is { message: string; name?: string; code?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

function isNetworkError(err: unknown): err is { message: string; code: string } {
  if (!isErrorLike(err)) return false;
  return typeof err.code === 'string' && NETWORK_CODES.has(err.code);
}

/** Asterisk's error body: `{"message": …}` usually, `{"error": …}` for originate failures. */
function messageFromBody(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object') {
      const { message, error } = parsed as { message?: unknown; error?: unknown };
      if (typeof message === 'string') return message;
      if (typeof error === 'string') return error;
    }
  } catch {
    // Not JSON: swagger-client's own string errors, or an HTML error page.
  }
  return body;
}

/** Turn whatever ari-client rejected with into an AriError (or AriUnavailable). */
export function toAriError(operation: string, raw: unknown): AriError {
  if (raw instanceof AriError) return raw;
  if (isNetworkError(raw)) return new AriUnavailable(operation, raw.code);
  const body = typeof raw === 'string' ? raw : isErrorLike(raw) ? raw.message : String(raw);
  // swagger-client reports a transport failure as a response with status 0 and no body.
  if (body === '') return new AriUnavailable(operation, 'empty response (connection lost?)');
  const message = messageFromBody(body);
  return new AriError(operation, message, statusFor(message));
}

/** True when Asterisk says the channel is gone: the call has ended, whatever the verb was. */
export function isChannelGone(err: AriError): boolean {
  return err.status === 404 && /channel not found/i.test(err.ariMessage);
}
