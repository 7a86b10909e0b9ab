/**
 * /healthz and /readyz against the real application (double + private Redis): ready only
 * while Redis answers, ARI is connected and the application is not draining.
 */
import { startHealthServer, type HealthServer } from '../../src/http/health';
import { startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
let health: HealthServer;

beforeAll(async () => {
  h = await startHarness({ restartableRedis: true, app: { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } } });
  health = await startHealthServer({
    port: 0,
    probe: { redisUp: () => h.app.store.ping(), ariState: () => h.app.engine.state, draining: () => h.app.draining },
  });
});
afterAll(async () => {
  await health?.close();
  await h?.close();
});

async function get(path: string, method = 'GET'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${health.port}${path}`, { method });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function eventually(path: string, status: number, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last = await get(path);
  while (last.status !== status) {
    if (Date.now() > deadline) throw new Error(`${path} still ${last.status} ${JSON.stringify(last.body)}, wanted ${status}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await get(path);
  }
  return last.body;
}

test('both 200 when Redis and ARI are up', async () => {
  expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready', redis: 'up', ari: 'connected', draining: false } });
});

test('unknown paths are 404 and other methods 405', async () => {
  expect((await get('/')).status).toBe(404);
  expect((await get('/readyz', 'POST')).status).toBe(405);
});

test('readyz is 503 naming Redis while Redis is down, and 200 again when it is back', async () => {
  await h.redis.stop();
  expect(await eventually('/readyz', 503)).toEqual({ status: 'unavailable', redis: 'down', ari: 'connected', draining: false });
  expect((await get('/healthz')).status).toBe(200);
  await h.redis.start();
  await eventually('/readyz', 200);
});

test('readyz is 503 naming ARI while Asterisk is down, and 200 again when it is back', async () => {
  await h.double.stopAsterisk();
  const body = await eventually('/readyz', 503);
  expect(body).toMatchObject({ status: 'unavailable', redis: 'up', draining: false });
  expect(body.ari).not.toBe('connected');
  expect((await get('/healthz')).status).toBe(200);
  await h.double.startAsterisk();
  await eventually('/readyz', 200, 20_000);
});

test('readyz is 503 once the application drains', async () => {
  await h.app.drain(0);
  expect(await get('/readyz')).toEqual({ status: 503, body: { status: 'unavailable', redis: 'up', ari: 'connected', draining: true } });
  expect((await get('/healthz')).status).toBe(200);
});
