/**
 * /healthz and /readyz for orchestrators (Docker HEALTHCHECK, Kubernetes probes, a load
 * balancer's check):
 * - GET /healthz: 200 while the process runs and its event loop answers (liveness).
 * - GET /readyz: 200 only when Redis answers PING, the ARI engine is `connected`, and the
 *   application is not draining; otherwise 503 with a small JSON body naming what is down.
 * - GET /metrics (when a metrics source is given): Prometheus text exposition (issue #14;
 *   src/metrics/prometheus.ts lists the metrics). No label carries a PIN, a caller ID or a
 *   user id.
 * Nothing else is served (404; methods other than GET/HEAD: 405). The bodies carry no
 * secrets: states and counts only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EngineState } from '../ari';

export interface ReadinessProbe {
  /** True when Redis answers now. Must not throw. */
  redisUp(): Promise<boolean>;
  ariState(): EngineState;
  draining(): boolean;
}

export interface Readiness {
  ready: boolean;
  redis: 'up' | 'down';
  ari: EngineState;
  draining: boolean;
}

/** What GET /metrics serves. */
export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

export interface HealthServer {
  /** The port actually listened on (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** A Redis that does not answer within this bound is down as far as readiness goes. */
const REDIS_CHECK_MS = 1000;

async function withTimeout(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check.catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(probe: ReadinessProbe): Promise<Readiness> {
  const redisUp = await withTimeout(probe.redisUp(), REDIS_CHECK_MS);
  const ari = probe.ariState();
  const draining = probe.draining();
  return { ready: redisUp && ari === 'connected' && !draining, redis: redisUp ? 'up' : 'down', ari, draining };
}

function send(res: ServerResponse, status: number, body: object, head: boolean): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

async function handle(req: IncomingMessage, res: ServerResponse, probe: ReadinessProbe, metrics?: MetricsSource): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/healthz' && path !== '/readyz' && !(path === '/metrics' && metrics)) return send(res, 404, { error: 'not found' }, false);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, { error: 'method not allowed' }, false);
  }
  const head = req.method === 'HEAD';
  if (path === '/healthz') return send(res, 200, { status: 'ok' }, head);
  if (path === '/metrics' && metrics) {
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
    return;
  }
  const r = await checkReadiness(probe);
  send(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'unavailable', redis: r.redis, ari: r.ari, draining: r.draining }, head);
}

/** Listen on `host:port` (port 0: any free port). Rejects if the port cannot be bound. */
export async function startHealthServer(opts: { port: number; host?: string; probe: ReadinessProbe; metrics?: MetricsSource }): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, opts.probe, opts.metrics).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal error' }, false);
      else res.destroy();
    });
  });
  // A probe that hangs must not keep a connection (or the shutdown) waiting.
  server.requestTimeout = 5000;
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
