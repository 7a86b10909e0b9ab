/**
 * Helpers for the double's own tests: start a double, talk to it with raw HTTP and a raw
 * events WebSocket (exact statuses, bodies and event order), or with a real ari-client.
 */
import * as http from 'node:http';
import { WebSocket } from 'ws';
import { AsteriskDouble } from './index';
import type { DoubleOptions } from './control';

export const USER = 'portal';
export const PASS = 's3cret';

/** Core-sound durations measured on the reference Asterisk (README §3). */
export const CAPTURED_SOUNDS_MS: Record<string, number> = {
  'vm-login': 2550,
  'digits/1': 900,
  'digits/2': 750,
  'digits/3': 840,
  beep: 250,
};

export function startDouble(opts: Partial<DoubleOptions> = {}): Promise<AsteriskDouble> {
  return AsteriskDouble.start({
    username: USER,
    password: PASS,
    timeScale: 0.02,
    soundDurationsMs: CAPTURED_SOUNDS_MS,
    knownSounds: Object.keys(CAPTURED_SOUNDS_MS),
    ...opts,
  });
}

export interface RestReply {
  status: number;
  body: unknown;
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
}

/** One raw ARI request (`path` below /ari, already encoded); `auth: false` sends none. */
export function rest(double: { port: number }, method: string, path: string, auth: boolean | string = true): Promise<RestReply> {
  const headers: http.OutgoingHttpHeaders = {};
  if (auth !== false) {
    const creds = typeof auth === 'string' ? auth : `${USER}:${PASS}`;
    headers.Authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: double.port, method, path: `/ari${path}`, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let body: unknown = raw.length ? raw.toString('utf8') : undefined;
        if (String(res.headers['content-type']).startsWith('application/json')) body = JSON.parse(raw.toString('utf8'));
        resolve({ status: res.statusCode ?? 0, body, raw, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface AriEventJson {
  type: string;
  [field: string]: unknown;
}

/** A raw events socket that records everything it receives. */
export class EventSocket {
  readonly events: AriEventJson[] = [];
  private readonly listeners = new Set<() => void>();
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.events.push(JSON.parse(String(data)) as AriEventJson);
      for (const l of [...this.listeners]) l();
    });
    ws.on('close', () => (this.closed = true));
  }

  static open(double: { port: number }, apps = 'voice-portal', apiKey = `${USER}:${PASS}`): Promise<EventSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${double.port}/ari/events?app=${apps}&api_key=${encodeURIComponent(apiKey)}`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new EventSocket(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  /**
   * Resolves once `count` events matching `match` have arrived at or after index `from`
   * (real-time timeout).
   */
  async waitFor(match: (e: AriEventJson) => boolean, count = 1, timeoutMs = 3000, from = 0): Promise<AriEventJson[]> {
    const found = (): AriEventJson[] => this.events.slice(from).filter(match);
    if (found().length >= count) return found();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (found().length >= count) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolve(found());
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out waiting for events; got ${JSON.stringify(this.types())}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  waitType(type: string, count = 1, timeoutMs?: number, from = 0): Promise<AriEventJson[]> {
    return this.waitFor((e) => e.type === type, count, timeoutMs, from);
  }

  close(): void {
    this.ws.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ari-client prints a Swagger deprecation line on every connect: keep test output clean. */
export async function connectAriClient(url: string, user = USER, pass = PASS): Promise<AriClientLike> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ari = require('ari-client') as { connect(url: string, u: string, p: string): Promise<AriClientLike> };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    String(chunk).includes('deprecated version of Swagger') ? true : write(chunk, ...(rest as []))) as typeof process.stdout.write;
  try {
    return await ari.connect(url, user, pass);
  } finally {
    process.stdout.write = write;
  }
}

/** The part of ari-client's dynamic API the tests use. */
export interface AriClientLike {
  on(event: string, cb: (event: AriEventJson, instance: unknown) => void): void;
  start(app: string): Promise<void>;
  stop(): void;
  Playback(): { id: string };
  [resource: string]: unknown;
}
