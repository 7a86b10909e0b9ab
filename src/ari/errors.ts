/**
 * Typed errors that leave src/ari. REST failures carry the HTTP status and Asterisk's own
 * message (./rest.ts reads them off the response); nothing outside this folder parses a body.
 */

/** The caller hung up (or the channel left Stasis): the flow should unwind quietly. */
export class CallEnded extends Error {
  override name = 'CallEnded';
  constructor(readonly channelId: string) {
    super(`call ${channelId} has ended`);
  }
}

/**
 * An ARI request failed. `status` is the HTTP status Asterisk answered (undefined when it did
 * not answer: AriUnavailable). `ariMessage` is Asterisk's own text.
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
 * Error-like, by shape: errors raised by Node's own modules come from another realm under
 * jest's vm sandbox (and could from worker threads), where `instanceof Error` is false.
 */
export function isErrorLike(value: unknown): value is { message: string; name?: string; code?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

/** Asterisk's error body: `{"message": …}` usually, `{"error": …}` for originate failures; any other text as it is. */
export function messageFromBody(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object') {
      const { message, error } = parsed as { message?: unknown; error?: unknown };
      if (typeof message === 'string') return message;
      if (typeof error === 'string') return error;
    }
  } catch {
    // Not JSON: a proxy's or an HTML error page.
  }
  return body;
}

/** True when Asterisk says the channel is gone: the call has ended, whatever the verb was. */
export function isChannelGone(err: AriError): boolean {
  return err.status === 404 && /channel not found/i.test(err.ariMessage);
}
