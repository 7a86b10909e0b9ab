/**
 * The only module that imports `ari-client` (2.2.0). It connects a client with its connect-time
 * traps contained, and describes, as a narrow typed interface, the few parts of the client the
 * engine uses (@types/ari-client lacks the EventEmitter methods and is overloaded beyond use).
 *
 * Traps handled here (see /work/shared/TOOLCHAIN.md):
 * - A failed API-docs load rejects `connect()` with a plain string AND throws the same string
 *   from inside swagger-client's HTTP callback, i.e. as a process `uncaughtException`. While a
 *   connect is in flight a process listener swallows exactly those strings (swagger-client's
 *   `fail()` messages) and nothing else; see `installSwaggerThrowGuard`.
 * - swagger-client prints "This API is using a deprecated version of Swagger!" with
 *   `console.log` on every connect (stdout must stay clean for the CLI and the demo): while a
 *   connect is in flight, `console.log` drops exactly that line and passes everything else on.
 * - A client that is given up on may still hold a reconnect timer scheduled by ari-client
 *   (it cannot be cancelled). If it fired, it would open a second socket for the app and
 *   Asterisk would hand the app to it (ApplicationReplaced on the live socket). `retireClient`
 *   makes every socket that client opens from then on close at once.
 * - Basic-auth credentials are process-global inside swagger-client: every client in one
 *   process uses the credentials of the last one connected. One engine per process.
 */
import { connect as ariConnect } from 'ari-client';
import { AriConnectError, AriUnavailable, isErrorLike } from './errors';

/** Listener signature of ari-client events: the raw event JSON, then promoted resources. */
export type AriListener = (event: unknown, resources?: unknown) => void;

/**
 * The parts of an ari-client `Client` the engine uses: the events socket and its signals.
 * REST requests do not go through it (./rest.ts says why).
 */
export interface AriClient {
  on(event: string, listener: AriListener): unknown;
  removeListener(event: string, listener: AriListener): unknown;
  eventNames(): (string | symbol)[];
  listenerCount(event: string): number;
  start(app: string): PromiseLike<void>;
  ping(): void;
}

/** ari-client's private WebSocket fields, touched only by `retireClient`. */
interface SocketInternals {
  _ws?: ClosableSocket;
  _wsClosed?: boolean;
}
interface ClosableSocket {
  readyState: number;
  on(event: 'error', listener: () => void): unknown;
  close(): void;
  terminate(): void;
}
const WS_OPEN = 1;

/** swagger-client's `fail()` messages (swagger.js 2.0.26): the only strings it throws. */
const SWAGGER_FAILURES = [
  /^\d{3} : /, // "401 : Unauthorized http://…/ari/api-docs/resources.json"
  /^Can't read /,
  /^Please specify the protocol /,
  /^Unable to read api /,
  /^SwaggerResources must have a path/,
];

function isSwaggerFailure(value: unknown): value is string {
  return typeof value === 'string' && SWAGGER_FAILURES.some((re) => re.test(value));
}

let guardUsers = 0;
function swallowSwaggerThrow(err: unknown): void {
  if (isSwaggerFailure(err)) return; // already reported through connect()'s rejection
  // Not ours. If other listeners exist they have it already. If we are the only one, Node
  // would have crashed without us: re-raise once we are out of the way so it still does.
  if (process.listenerCount('uncaughtException') === 1) {
    process.off('uncaughtException', swallowSwaggerThrow);
    guardUsers = 0;
    process.nextTick(() => {
      throw err;
    });
  }
}

/** Installed while at least one connect is in flight; returns the uninstaller. */
function installSwaggerThrowGuard(): () => void {
  if (guardUsers++ === 0) process.on('uncaughtException', swallowSwaggerThrow);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    // The throw comes synchronously after the rejection; one macrotask later it is past.
    setImmediate(() => {
      if (guardUsers > 0 && --guardUsers === 0) process.off('uncaughtException', swallowSwaggerThrow);
    });
  };
}

const SWAGGER_NOISE = 'This API is using a deprecated version of Swagger';
let quietUsers = 0;
let realConsoleLog: typeof console.log | undefined;

/** swagger-client logs `console.log([message])`: drop that one line, pass the rest on. */
function installConsoleFilter(): () => void {
  if (quietUsers++ === 0) {
    const original = console.log;
    realConsoleLog = original;
    console.log = (...args: unknown[]): void => {
      const first = args[0];
      const text = Array.isArray(first) ? String(first[0]) : String(first);
      if (text.startsWith(SWAGGER_NOISE)) return;
      original.apply(console, args);
    };
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--quietUsers === 0 && realConsoleLog) {
      console.log = realConsoleLog;
      realConsoleLog = undefined;
    }
  };
}

function connectError(raw: unknown): Error {
  if (isErrorLike(raw)) {
    // ari-client names unreachable hosts HostIsNotReachable (ECONNREFUSED, ENOTFOUND, ETIMEDOUT).
    const code = raw.code;
    if (raw.name === 'HostIsNotReachable' || typeof code === 'string') {
      return new AriUnavailable('connect', typeof code === 'string' ? code : raw.message);
    }
    return new AriConnectError(`ARI connect failed: ${raw.message}`, false);
  }
  const text = String(raw);
  return new AriConnectError(`ARI connect failed: ${text}`, /^401 /.test(text));
}

/**
 * Load the API docs and return a client, not yet started. Rejects with AriUnavailable (no
 * answer; retry later), AriConnectError (answered, but not usable: `authentication` when the
 * credentials were refused), or AriUnavailable after `timeoutMs` with no answer.
 */
export async function connectAriClient(url: string, username: string, password: string, timeoutMs: number): Promise<AriClient> {
  const releaseGuard = installSwaggerThrowGuard();
  const releaseFilter = installConsoleFilter();
  let timer: NodeJS.Timeout | undefined;
  // ari-client returns a Bluebird promise; wrap it in a native one.
  const attempt = new Promise<AriClient>((resolve, reject) => {
    ariConnect(url, username, password).then(
      // The real client has every member of AriClient (eventNames comes from EventEmitter,
      // which @types/ari-client leaves out): this is the one cast between the two.
      (client) => resolve(client as unknown as AriClient),
      (err: unknown) => reject(connectError(err)),
    );
  });
  // Whatever happens to the timeout race, the guards stay until the attempt itself settles:
  // a late failure still throws its string.
  attempt.then(
    () => {
      releaseGuard();
      releaseFilter();
    },
    () => {
      releaseGuard();
      releaseFilter();
    },
  );
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AriUnavailable('connect', `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stop using a client for good: close its socket and make any socket it opens later (from a
 * reconnect timer ari-client already scheduled) close at once, so a retired client can never
 * take the app over from its successor. Safe to call on a client that was never started.
 */
export function retireClient(client: AriClient, how: 'graceful' | 'abrupt' = 'graceful'): void {
  const internals = client as unknown as SocketInternals;
  let current = internals._ws;
  // ari-client's reconnect does `self._ws = new WebSocket(url)`, then attaches its handlers.
  Object.defineProperty(internals, '_ws', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (ws: ClosableSocket) => {
      current = ws;
      ws.on('error', () => undefined); // abort emits 'error' before ari-client listens
      internals._wsClosed = true; // ari-client's "closed on purpose": no further retries
      ws.terminate();
    },
  });
  if (current === undefined) return; // never started: nothing open
  internals._wsClosed = true;
  // A graceful close lets Asterisk see a clean goodbye; a socket believed dead is cut at once
  // (ws would otherwise wait 30 s for the peer's close frame).
  if (current.readyState === WS_OPEN && how === 'graceful') current.close();
  else current.terminate();
}
