/**
 * The engine's connection logic against a fake ari-client client, for the signals the double
 * cannot produce quickly: ari-client giving up after its ~43 s budget (WebSocketMaxRetries),
 * a start() that never opens, unanswered pings, a throwing call flow inside an event handler,
 * a socket gap of an exact length in the middle of an entry. REST requests are plain HTTP
 * (src/ari/rest.ts): a loopback server stands in for Asterisk's REST side.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AriClient } from '../../src/ari/ari-client';
import { AriUnavailable } from '../../src/ari/errors';
import { startAriEngine, type AriEngine, type EngineState } from '../../src/ari/engine';
import type { Call, GatherResult } from '../../src/ari/call';
import { silentLogger } from '../../src/log';

class FakeClient extends EventEmitter {
  started = 0;
  pings = 0;
  startResult: Promise<void> = Promise.resolve();
  start(): Promise<void> {
    this.started += 1;
    return this.startResult;
  }
  ping(): void {
    this.pings += 1;
  }
}

/** Asterisk's REST side: records `METHOD /path?query`, lists `channelIds` for the app. */
class FakeRest {
  readonly requests: string[] = [];
  /** Channels `GET /applications/{app}` lists (what survives a reconnect). */
  channelIds: string[] = [];
  readonly server = http.createServer((req, res) => {
    const url = req.url ?? '';
    this.requests.push(`${req.method ?? ''} ${url}`);
    req.resume();
    if (req.method === 'GET' && url.startsWith('/ari/applications/')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ channel_ids: this.channelIds }));
    } else if (url.includes('/play?')) {
      res.writeHead(201, { 'Content-Type': 'application/json' }).end('{}');
    } else {
      res.writeHead(204).end();
    }
  });
  sent(route: RegExp): string | undefined {
    return this.requests.find((r) => route.test(r));
  }
}

const servers: FakeRest[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((r) => new Promise((done) => r.server.close(done))));
});

async function setup(onCall: (call: Call) => Promise<void> = async () => undefined, extra: { pingIntervalMs?: number; failFirst?: number; configure?: (c: FakeClient, index: number) => void } = {}) {
  const rest = new FakeRest();
  servers.push(rest);
  await new Promise<void>((listening) => rest.server.listen(0, '127.0.0.1', listening));
  const port = (rest.server.address() as AddressInfo).port;
  const clients: FakeClient[] = [];
  let failures = extra.failFirst ?? 0;
  const states: EngineState[] = [];
  const engine: AriEngine = startAriEngine({
    config: { url: `http://127.0.0.1:${port}`, username: 'u', password: 'p', app: 'voice-portal' },
    logger: silentLogger(),
    onCall,
    reconnect: { initialDelayMs: 10, maxDelayMs: 40, pingIntervalMs: extra.pingIntervalMs ?? 0, clientGiveUpMs: 60_000 },
    connectClient: async () => {
      if (failures > 0) {
        failures -= 1;
        throw new AriUnavailable('connect', 'ECONNREFUSED');
      }
      const client = new FakeClient();
      extra.configure?.(client, clients.length);
      clients.push(client);
      return client as unknown as AriClient;
    },
  });
  engine.on('state', (s) => states.push(s));
  return { engine, clients, states, rest };
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('connect failures are retried with backoff until a client connects', async () => {
  const { engine, clients, states } = await setup(undefined, { failFirst: 3 });
  await until(() => engine.state === 'connected');
  expect(clients).toHaveLength(1);
  expect(states).toEqual(['connected']);
  await engine.stop();
});

test('WebSocketMaxRetries (ari-client gave up for good) → a fresh client is built', async () => {
  const { engine, clients, states } = await setup();
  await until(() => engine.state === 'connected');
  const first = clients[0] as FakeClient;
  first.emit('WebSocketReconnecting', new Error('socket hang up'));
  expect(engine.state).toBe('reconnecting');
  first.emit('WebSocketMaxRetries', new Error('gave up'));
  await until(() => engine.state === 'connected' && clients.length === 2);
  expect(engine.clientGeneration()).toBe(2);
  // The retired client has no listener of ours left; the new one has the standard set.
  expect(first.eventNames()).toEqual([]);
  expect(engine.listenerNames()).toEqual((clients[1] as FakeClient).eventNames().map(String).sort());
  expect(states).toEqual(['connected', 'reconnecting', 'connected']);
  await engine.stop();
  expect(engine.state).toBe('stopped');
});

test('a start() that never opens (rejected by ari-client) → a fresh client', async () => {
  const { engine, clients } = await setup(undefined, {
    configure: (c, index) => {
      if (index === 0) c.startResult = Promise.reject(new Error('Connection attempts exceeded WebSocketMaxRetries. unknown'));
    },
  });
  await until(() => engine.state === 'connected');
  expect(clients).toHaveLength(2);
  expect((clients[0] as FakeClient).eventNames()).toEqual([]);
  await engine.stop();
});

test('unanswered pings → the client is replaced; answered pings keep it', async () => {
  const { engine, clients } = await setup(undefined, { pingIntervalMs: 30 });
  await until(() => engine.state === 'connected');
  const first = clients[0] as FakeClient;
  // Answer the first ping only.
  await until(() => first.pings === 1);
  first.emit('pong');
  await until(() => clients.length === 2, 1000);
  expect(first.pings).toBeGreaterThanOrEqual(2);
  await engine.stop();
});

test('ApplicationReplaced → standby: no reconnect, no fresh client', async () => {
  const { engine, clients, states } = await setup();
  await until(() => engine.state === 'connected');
  (clients[0] as FakeClient).emit('ApplicationReplaced', { type: 'ApplicationReplaced', application: 'voice-portal' });
  await until(() => engine.state === 'standby');
  await new Promise((r) => setTimeout(r, 100));
  expect(clients).toHaveLength(1);
  expect(states).toEqual(['connected', 'standby']);
  await engine.stop();
});

test('a flow that throws, or a malformed event, never escapes into ari-client', async () => {
  const { engine, clients, rest } = await setup(async () => {
    throw new Error('flow bug');
  });
  await until(() => engine.state === 'connected');
  const client = clients[0] as FakeClient;
  expect(() => client.emit('StasisStart', null)).not.toThrow();
  expect(() => client.emit('PlaybackFinished', { playback: 42 })).not.toThrow();
  client.emit('StasisStart', { type: 'StasisStart', args: [], channel: { id: 'c1', name: 'PJSIP/1-1' } });
  // The flow failed: the engine hangs the call up.
  await until(() => rest.sent(/^DELETE \/ari\/channels\/c1$/) !== undefined);
  client.emit('StasisEnd', { type: 'StasisEnd', channel: { id: 'c1' } });
  expect(engine.activeCallCount()).toBe(0);
  await engine.stop();
});

test('keys typed across a socket gap longer than the inter-digit timeout: one entry, marked keysLost; the next entry is clean', async () => {
  const results: GatherResult[] = [];
  const { engine, clients, rest } = await setup(async (call) => {
    results.push(await call.gather({ maxDigits: 8, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 30 }));
    results.push(await call.gather({ maxDigits: 8, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 30 }));
  });
  await until(() => engine.state === 'connected');
  const client = clients[0] as FakeClient;
  rest.channelIds = ['c1'];
  const dtmf = (digit: string): void => {
    client.emit('ChannelDtmfReceived', { type: 'ChannelDtmfReceived', digit, channel: { id: 'c1' } });
  };
  client.emit('StasisStart', { type: 'StasisStart', args: [], channel: { id: 'c1', name: 'PJSIP/1-1' } });
  await until(() => engine.activeCallCount() === 1);
  dtmf('5');
  client.emit('WebSocketReconnecting', new Error('socket hang up'));
  // Five inter-digit timeouts without a socket: keys typed now never arrive.
  await new Promise((r) => setTimeout(r, 150));
  expect(results).toEqual([]);
  client.emit('WebSocketConnected');
  await until(() => engine.state === 'connected');
  // The reconnect's channel check is done once the call is still served.
  await new Promise((r) => setTimeout(r, 20));
  dtmf('2');
  dtmf('9');
  dtmf('#');
  await until(() => results.length === 1);
  dtmf('7');
  dtmf('#');
  await until(() => results.length === 2);
  expect(results).toEqual([
    { digits: '529', endedBy: 'terminator', keysLost: true },
    { digits: '7', endedBy: 'terminator' },
  ]);
  await engine.stop();
});

test('a socket gap while nothing is being typed leaves the next entry clean', async () => {
  const results: GatherResult[] = [];
  const { engine, clients, rest } = await setup(async (call) => {
    await call.play('sound:hello');
    results.push(await call.gather({ maxDigits: 8, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 30 }));
  });
  await until(() => engine.state === 'connected');
  const client = clients[0] as FakeClient;
  rest.channelIds = ['c1'];
  client.emit('StasisStart', { type: 'StasisStart', args: [], channel: { id: 'c1', name: 'PJSIP/1-1' } });
  await until(() => rest.sent(/^POST \/ari\/channels\/c1\/play\?/) !== undefined);
  client.emit('WebSocketReconnecting', new Error('socket hang up'));
  client.emit('WebSocketConnected');
  await until(() => engine.state === 'connected');
  const playbackId = new URLSearchParams(rest.sent(/\/play\?/)?.split('?')[1]).get('playbackId');
  client.emit('PlaybackFinished', { type: 'PlaybackFinished', playback: { id: playbackId, state: 'done', target_uri: 'channel:c1' } });
  await until(() => engine.activeCallCount() === 1);
  client.emit('ChannelDtmfReceived', { type: 'ChannelDtmfReceived', digit: '4', channel: { id: 'c1' } });
  client.emit('ChannelDtmfReceived', { type: 'ChannelDtmfReceived', digit: '#', channel: { id: 'c1' } });
  await until(() => results.length === 1);
  expect(results).toEqual([{ digits: '4', endedBy: 'terminator' }]);
  await engine.stop();
});
