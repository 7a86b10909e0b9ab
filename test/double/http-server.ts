/**
 * The ARI HTTP + WebSocket surface on one TCP port: `/ari/api-docs/*`, the REST routes and
 * the `/ari/events` upgrade. Authentication is checked like Asterisk (Basic auth or
 * `api_key=user:pass`, 401 `{"message":"Authentication required"}`), routing errors give
 * 404 / 405 `{"message":"Invalid method"}`.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Asterisk } from './asterisk';
import type { WireTap } from './control';
import { type AriHandler, type AriResponse, buildHandlers } from './rest-handlers';
import { apiDeclaration, matchRoute, resourceListing } from './swagger';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * A fault armed on the next REST request(s) matching `method` and `path` (see control.ts
 * `RequestFault`): answer `status` without running the operation, or hold the request
 * (Asterisk stuck) and cut its connection after `holdMs`.
 */
export interface ArmedRequestFault {
  method?: string;
  path?: RegExp;
  status?: 500 | 503;
  holdMs?: number;
  remaining: number;
  hits: number;
}

/** Asterisk's bodies for those statuses (res_ari.c / the HTTP server). */
const FAULT_BODIES: Record<500 | 503, { message: string }> = {
  500: { message: 'Internal Server Error' },
  503: { message: 'Service Unavailable' },
};

const SERVER_HEADER = 'Asterisk/22.10.1';
/** main/http.c DEFAULT_SESSION_LIMIT (http.conf `sessionlimit`). */
export const DEFAULT_SESSION_LIMIT = 100;
const AUTH_REQUIRED = { message: 'Authentication required' };

export class AriHttpServer {
  private server: http.Server | undefined;
  private readonly connections = new Set<Socket>();
  /** Connections counted as HTTP sessions (not refused, not upgraded to a WebSocket). */
  private readonly sessions = new Set<Socket>();
  private sessionPeak = 0;
  private sessionsRefused = 0;
  /** The Stasis app whose calls a session last carried a request about (benchmarks count per app). */
  private readonly sessionApps = new Map<Socket, string>();
  private readonly appSessionPeaks = new Map<string, number>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly handlers: Record<string, AriHandler>;
  readonly requestFaults: ArmedRequestFault[] = [];

  constructor(
    private readonly asterisk: Asterisk,
    private readonly credentials: Credentials,
    private readonly tap?: WireTap,
    private readonly sessionLimit = DEFAULT_SESSION_LIMIT,
  ) {
    this.handlers = buildHandlers(asterisk);
  }

  /** Starts listening on 127.0.0.1:`port` (0 = any free port); resolves with the port. */
  listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.onRequest(req, res));
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.on('close', () => {
        this.connections.delete(socket);
        this.sessions.delete(socket);
        this.sessionApps.delete(socket);
      });
      // Asterisk accepts the connection, then its session thread finds the count exceeded and
      // closes it without reading a byte.
      if (this.sessions.size >= this.sessionLimit) {
        this.sessionsRefused += 1;
        socket.destroy();
        return;
      }
      this.sessions.add(socket);
      this.sessionPeak = Math.max(this.sessionPeak, this.sessions.size);
    });
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /**
   * HTTP sessions open now, the most at once since `resetSessionPeak`, and those refused.
   * With `app`: only the sessions whose latest request was about a channel (or a playback on
   * one) of that Stasis app, so that one client's figure leaves out another's idle ones.
   */
  sessionCounts(app?: string): { open: number; peak: number; refused: number } {
    if (app === undefined) return { open: this.sessions.size, peak: this.sessionPeak, refused: this.sessionsRefused };
    const open = this.openSessionsOf(app);
    return { open, peak: Math.max(open, this.appSessionPeaks.get(app) ?? 0), refused: this.sessionsRefused };
  }

  resetSessionPeak(app?: string): void {
    if (app === undefined) this.sessionPeak = this.sessions.size;
    else this.appSessionPeaks.set(app, this.openSessionsOf(app));
  }

  private openSessionsOf(app: string): number {
    let n = 0;
    for (const tagged of this.sessionApps.values()) if (tagged === app) n += 1;
    return n;
  }

  /** Remember which app's call this session's request was about. */
  private tagSession(socket: Socket, params: Record<string, string>): void {
    const channelId = params.channelId ?? channelOfPlayback(this.asterisk.playbacks.get(params.playbackId ?? '')?.json().target_uri);
    const app = channelId === undefined ? undefined : this.asterisk.channels.get(channelId)?.app;
    if (app === undefined || this.sessionApps.get(socket) === app) return;
    this.sessionApps.set(socket, app);
    this.appSessionPeaks.set(app, Math.max(this.appSessionPeaks.get(app) ?? 0, this.openSessionsOf(app)));
  }

  /** Stops listening (the port then refuses connections) and cuts every open connection. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of this.connections) socket.destroy();
      this.connections.clear();
    });
  }

  private authorised(req: http.IncomingMessage, query: URLSearchParams): boolean {
    const expected = `${this.credentials.username}:${this.credentials.password}`;
    const apiKey = query.get('api_key');
    if (apiKey !== null) return apiKey === expected;
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header);
    return !!match && Buffer.from(match[1], 'base64').toString('utf8') === expected;
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.tap?.requestReceived?.(req.method ?? 'GET', req.url ?? '/');
    try {
      const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?', 2);
      const query = new URLSearchParams(rawQuery);
      const body = await readBody(req);
      if (!rawPath.startsWith('/ari/')) return send(res, { status: 404, json: { message: 'Not found' } });
      if (!this.authorised(req, query)) return send(res, { status: 401, json: AUTH_REQUIRED });
      const ariPath = rawPath.slice('/ari'.length);
      const method = (req.method ?? 'GET').toUpperCase();

      const docs = /^\/api-docs\/([A-Za-z]+)\.json$/.exec(ariPath);
      if (docs) {
        if (method !== 'GET') return send(res, { status: 405, json: { message: 'Invalid method' } });
        // Asterisk writes the Host header the client used into basePath (README §1).
        const basePath = `http://${req.headers.host ?? '127.0.0.1'}/ari`;
        const doc = docs[1] === 'resources' ? resourceListing(basePath) : apiDeclaration(docs[1], basePath);
        return send(res, doc ? { status: 200, json: doc } : { status: 404, json: { message: 'Not found' } });
      }

      const route = matchRoute(ariPath);
      if (!route) return send(res, { status: 404, json: { message: 'Resource not found' } });
      if (!route.operations.some((o) => o.httpMethod === method)) {
        return send(res, { status: 405, json: { message: 'Invalid method' } });
      }
      this.tagSession(req.socket, route.params);
      const fault = this.takeFault(method, ariPath);
      if (fault?.status) return send(res, { status: fault.status, json: FAULT_BODIES[fault.status] });
      if (fault) {
        // Stuck: no answer; the connection is cut after holdMs (a TCP timeout on the client side).
        const timer = setTimeout(() => req.socket.destroy(), fault.holdMs ?? 10_000);
        req.socket.once('close', () => clearTimeout(timer));
        return;
      }
      const handler = this.handlers[`${method} ${route.template}`];
      if (!handler) {
        return send(res, { status: 501, json: { message: `${method} ${route.template} is not implemented by the test double` } });
      }
      mergeJsonBody(query, body);
      send(res, handler({ params: route.params, query }));
    } catch (err) {
      send(res, { status: 500, json: { message: err instanceof Error ? err.message : String(err) } });
    }
  }

  private takeFault(method: string, ariPath: string): ArmedRequestFault | undefined {
    const index = this.requestFaults.findIndex(
      (f) => f.remaining > 0 && (f.method === undefined || f.method === method) && (f.path === undefined || f.path.test(ariPath)),
    );
    if (index < 0) return undefined;
    const fault = this.requestFaults[index] as ArmedRequestFault;
    fault.remaining -= 1;
    fault.hits += 1;
    if (fault.remaining === 0) this.requestFaults.splice(index, 1);
    return fault;
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?', 2);
    const query = new URLSearchParams(rawQuery);
    const reject = (status: number, message: string): void => {
      const text = JSON.stringify({ message });
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nServer: ${SERVER_HEADER}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    if (rawPath !== '/ari/events') return reject(404, 'Not found');
    if (!this.authorised(req, query)) return reject(401, AUTH_REQUIRED.message);
    const apps = query
      .getAll('app')
      .flatMap((a) => a.split(','))
      .filter((a) => a !== '');
    if (apps.length === 0) return reject(400, "Missing param 'app'");
    // The WebSocket takes the connection over from the HTTP session (main/http.c leaves its
    // session loop and gives the slot back).
    this.sessions.delete(socket as Socket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.asterisk.hub.attach(ws, apps));
  }
}

function channelOfPlayback(targetUri: string | undefined): string | undefined {
  return targetUri?.startsWith('channel:') ? targetUri.slice('channel:'.length) : undefined;
}

function send(res: http.ServerResponse, reply: AriResponse): void {
  const headers: http.OutgoingHttpHeaders = { Server: SERVER_HEADER, 'Cache-Control': 'no-cache, no-store' };
  let payload: Buffer = Buffer.alloc(0);
  if (reply.binary) {
    headers['Content-Type'] = reply.binary.contentType;
    payload = reply.binary.data;
  } else if (reply.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = Buffer.from(JSON.stringify(reply.json));
  }
  headers['Content-Length'] = payload.length;
  res.writeHead(reply.status, headers);
  res.end(payload);
  reply.after?.();
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Asterisk also takes parameters from a JSON object body; the query string wins. */
function mergeJsonBody(query: URLSearchParams, body: string): void {
  if (!body.trim()) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return;
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (query.has(key) || value === null || typeof value === 'object') continue;
    query.set(key, String(value));
  }
}
