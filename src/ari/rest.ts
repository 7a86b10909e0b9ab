/**
 * ARI's REST side, spoken directly over HTTP/1.1 keep-alive connections; ari-client keeps the
 * rest (API docs, the events socket, its reconnection).
 *
 * Why not ari-client's own REST calls (swagger-client 2.0.26 over shred):
 * - Connections. Each of its requests goes through Node's global agent with no bound on
 *   sockets: a burst of N requests (a thousand calls answered at once) opens N connections.
 *   Asterisk's HTTP server runs one thread per connection and closes, unanswered, any beyond
 *   `sessionlimit` (http.conf, 100 by default; main/http.c "HTTP session count exceeded").
 *   Here one agent keeps at most `maxSockets` connections to the server and queues the rest.
 * - Status codes. ari-client rejects with the response body alone; here an error carries the
 *   real HTTP status.
 * - A bound that frees the connection. ari-client has no timeout; a request past its bound is
 *   destroyed here, so a stuck Asterisk does not keep the socket.
 * - Cost. Each swagger request builds a client, a cookie jar, its headers and a base64 of the
 *   credentials (through the deprecated `Buffer()`): most of what an ARI application spends
 *   on its main thread per call, about half of it in a login call's seven requests.
 *
 * Requests are the ones ari-client sends, byte for byte where Asterisk cares: the same paths
 * under `/ari`, parameters in the query string (a list joined with commas, as swagger-client
 * joins them), Basic authentication.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { AriError, AriUnavailable, messageFromBody } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Query parameters; undefined ones are left out, a list is sent joined with commas. */
export type QueryParams = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface AriRestOptions {
  /** Base URL of Asterisk's HTTP server (ARI_URL); requests go to `<url>/ari/…`. */
  url: string;
  username: string;
  password: string;
  /**
   * Most connections open to the server at once (default 32), for the whole process: every
   * AriRest of one server (the engine's, the API's audio, the mail worker's) shares one agent,
   * and the first one made sets it. Well under Asterisk's default sessionlimit of 100, which
   * other HTTP clients of that Asterisk (and other instances) share.
   */
  maxSockets?: number;
}

/** At most this much of an answer is read (Asterisk's JSON bodies are a few kB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_SOCKETS = 32;
/**
 * An idle connection is closed after this long: before the server closes it (Asterisk's
 * session_keep_alive is 15 s; Node's HTTP server, the test double's, 5 s), so a request is
 * never written to a connection the server is closing at that moment (it would fail with
 * ECONNRESET although Asterisk is well).
 */
const IDLE_CONNECTION_MS = 4000;

/** One agent per server (scheme://host:port) in this process, kept while an AriRest uses it. */
const sharedAgents = new Map<string, { agent: http.Agent; users: number }>();

function acquireAgent(base: URL, maxSockets: number): { key: string; agent: http.Agent } {
  const key = `${base.protocol}//${base.host}`;
  let shared = sharedAgents.get(key);
  if (!shared) {
    // `timeout` here only closes idle connections (the agent destroys a free socket that times
    // out); a request's own bound is the timer in exchange().
    const options: http.AgentOptions = { keepAlive: true, maxSockets, timeout: IDLE_CONNECTION_MS };
    shared = { agent: base.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options), users: 0 };
    sharedAgents.set(key, shared);
  }
  shared.users += 1;
  return { key, agent: shared.agent };
}

function releaseAgent(key: string): void {
  const shared = sharedAgents.get(key);
  if (!shared || --shared.users > 0) return;
  sharedAgents.delete(key);
  shared.agent.destroy();
}

export class AriRest {
  private readonly agentKey: string;
  private released = false;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly hostname: string;
  private readonly port: number | undefined;
  /** `/ari` under the URL's own path (none from the configuration: config.ts's ariServerUrl). */
  private readonly basePath: string;
  private readonly headers: http.OutgoingHttpHeaders;

  constructor(opts: AriRestOptions) {
    const base = new URL(opts.url);
    const { key, agent } = acquireAgent(base, opts.maxSockets ?? DEFAULT_MAX_SOCKETS);
    this.agentKey = key;
    this.agent = agent;
    this.request = base.protocol === 'https:' ? https.request : http.request;
    // URL keeps IPv6 literals in brackets; the socket wants the bare address.
    this.hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = base.port === '' ? undefined : Number(base.port);
    this.basePath = `${base.pathname.replace(/\/+$/, '')}/ari`;
    const credentials = Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64');
    this.headers = { Authorization: `Basic ${credentials}`, Host: base.host, 'Content-Length': 0 };
  }

  /**
   * Send one request; resolves with the parsed JSON answer (undefined when it has none).
   * Rejects with AriError (Asterisk answered with an error status), or AriUnavailable (no
   * answer: connection refused or cut, or none within `timeoutMs`, then the request is
   * destroyed). `boundMs`: the bound the timeout's message names, when the caller spent part
   * of it before sending (default `timeoutMs`).
   */
  send(operation: string, method: HttpMethod, path: string, query: QueryParams | undefined, timeoutMs: number, boundMs = timeoutMs): Promise<unknown> {
    return this.exchange(operation, method, `${path}${queryString(query)}`, timeoutMs, boundMs, () => undefined);
  }

  /**
   * GET a binary answer as a stream (a recording's audio): resolves with the response as soon
   * as a 2xx status arrives; the caller consumes or destroys it. A body that stalls for
   * `timeoutMs` is cut (the stream errors). Rejects as `send` does.
   */
  open(operation: string, path: string, timeoutMs: number): Promise<http.IncomingMessage> {
    return this.exchange<http.IncomingMessage>(operation, 'GET', path, timeoutMs, timeoutMs, (res, req) => {
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data from Asterisk for ${timeoutMs} ms`)));
      return res;
    });
  }

  /**
   * One request. A 2xx answer is handed to `stream` (what it returns is the result; undefined
   * = read the body, the result is its JSON); an error answer's body is read for its message.
   */
  private exchange<T = unknown>(
    operation: string,
    method: HttpMethod,
    target: string,
    timeoutMs: number,
    boundMs: number,
    stream: (res: http.IncomingMessage, req: http.ClientRequest) => T | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        return true;
      };
      const fail = (err: AriError): void => {
        if (settle()) reject(err);
      };
      const req = this.request(
        { agent: this.agent, hostname: this.hostname, port: this.port, method, path: `${this.basePath}${target}`, headers: this.headers },
        (res) => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          if (ok) {
            const taken = stream(res, req);
            if (taken !== undefined) {
              if (settle()) resolve(taken);
              return;
            }
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy();
              fail(new AriUnavailable(operation, `answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            if (!settle()) return;
            const body = chunks.length === 0 ? '' : chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
            if (ok) {
              resolve(parseBody(body) as T);
              return;
            }
            const message = body === '' ? `${status} ${http.STATUS_CODES[status] ?? ''}`.trim() : messageFromBody(body);
            reject(new AriError(operation, message, status));
          });
          res.on('error', (err) => fail(new AriUnavailable(operation, errorCode(err))));
        },
      );
      req.on('error', (err) => fail(new AriUnavailable(operation, errorCode(err))));
      const timer = setTimeout(() => {
        fail(new AriUnavailable(operation, `no answer from Asterisk within ${boundMs} ms`));
        req.destroy();
      }, timeoutMs);
      req.end();
    });
  }

  /**
   * Done with this server: when no other AriRest of the process uses it, every connection to
   * it is closed (a request still in flight fails with AriUnavailable).
   */
  close(): void {
    if (this.released) return;
    this.released = true;
    releaseAgent(this.agentKey);
  }
}

function parseBody(body: string): unknown {
  if (body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function queryString(query: QueryParams | undefined): string {
  if (!query) return '';
  let out = '';
  for (const key in query) {
    const value = query[key];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : String(value);
    out += `${out === '' ? '?' : '&'}${key}=${encodeURIComponent(text)}`;
  }
  return out;
}

/** The socket error's code (ECONNREFUSED, ECONNRESET…), or its message. */
function errorCode(err: Error & { code?: unknown }): string {
  return typeof err.code === 'string' ? err.code : err.message;
}
