/**
 * ARI REST over plain HTTP (src/ari/rest.ts) against a loopback server that records what
 * arrives: the request ari-client would have sent, the status and message of a failure, no
 * answer, a refused connection, and a bounded set of kept-alive connections under a burst.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AriError, AriUnavailable } from '../../src/ari/errors';
import { AriRest } from '../../src/ari/rest';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A loopback HTTP server; counts connections open at once and in all. */
async function server(handler: Handler) {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let peak = 0;
  let total = 0;
  let closed = 0;
  const srv = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    handler(req, res);
  });
  srv.on('connection', (socket: Socket) => {
    sockets.add(socket);
    total += 1;
    open += 1;
    peak = Math.max(peak, open);
    socket.on('close', () => {
      sockets.delete(socket);
      open -= 1;
      closed += 1;
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stats: () => ({ open, peak, total, closed }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

const json = (status: number, body: unknown): Handler => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(handler: Handler, maxSockets?: number) {
  const srv = await server(handler);
  const rest = new AriRest({ url: srv.url, username: 'asterisk', password: 'pä:ss', maxSockets });
  closers.push(srv.close, () => rest.close());
  return { srv, rest };
}

test('sends what ari-client sends: the path under /ari, the query (a list joined with commas), Basic auth; resolves with the JSON answer', async () => {
  const { srv, rest } = await setup(json(201, { id: 'pb-1', state: 'queued' }));
  const answer = await rest.send('play', 'POST', '/channels/1795739421.1/play', { media: ['sound:vm-login', 'sound:digits/1'], lang: 'fr', playbackId: 'pb-1', skipped: undefined }, 1000);
  expect(answer).toEqual({ id: 'pb-1', state: 'queued' });
  expect(srv.seen).toEqual([
    {
      method: 'POST',
      // As in the real Asterisk capture of ari-client's requests (shared/reference probe-rest.jsonl, seq 26-27).
      url: '/ari/channels/1795739421.1/play?media=sound%3Avm-login%2Csound%3Adigits%2F1&lang=fr&playbackId=pb-1',
      authorization: `Basic ${Buffer.from('asterisk:pä:ss').toString('base64')}`,
    },
  ]);
});

test('a 204 resolves with undefined; numbers and booleans are sent as text', async () => {
  const { srv, rest } = await setup((_req, res) => res.writeHead(204).end());
  await expect(rest.send('record', 'POST', '/channels/c1/record', { maxDurationSeconds: 30, beep: true }, 1000)).resolves.toBeUndefined();
  expect(srv.seen[0]?.url).toBe('/ari/channels/c1/record?maxDurationSeconds=30&beep=true');
});

test('an error answer rejects with its real status and Asterisk message', async () => {
  const { rest } = await setup(json(404, { message: 'Channel not found' }));
  const err = await rest.send('answer', 'POST', '/channels/gone/answer', undefined, 1000).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AriError);
  expect(err).not.toBeInstanceOf(AriUnavailable);
  expect(err).toMatchObject({ operation: 'answer', status: 404, ariMessage: 'Channel not found' });
});

test('an error answer without a body says its status', async () => {
  const { rest } = await setup((_req, res) => res.writeHead(503).end());
  await expect(rest.send('play', 'POST', '/channels/c1/play', undefined, 1000)).rejects.toMatchObject({ status: 503, ariMessage: '503 Service Unavailable' });
});

test('a refused connection is AriUnavailable with its code', async () => {
  const srv = await server(json(200, {}));
  const url = srv.url;
  await srv.close(); // the port is now closed
  const rest = new AriRest({ url, username: 'u', password: 'p' });
  closers.push(() => rest.close());
  const err = await rest.send('answer', 'POST', '/channels/c1/answer', undefined, 1000).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AriUnavailable);
  expect((err as AriUnavailable).ariMessage).toBe('ECONNREFUSED');
});

test('no answer within the bound: AriUnavailable with the given text, and the connection is cut', async () => {
  const { srv, rest } = await setup(() => undefined); // never answers
  const err = await rest.send('hangup', 'DELETE', '/channels/c1', undefined, 50).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AriUnavailable);
  expect((err as AriUnavailable).ariMessage).toBe('no answer from Asterisk within 50 ms');
  // The stuck request does not keep its socket (Asterisk's thread for it is freed too).
  for (let i = 0; i < 100 && srv.stats().closed === 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(srv.stats()).toMatchObject({ total: 1, closed: 1, open: 0 });
});

test('the timeout names the whole bound when part of it was spent before sending', async () => {
  const { rest } = await setup(() => undefined);
  await expect(rest.send('play', 'POST', '/channels/c1/play', undefined, 30, 10_000)).rejects.toMatchObject({ ariMessage: 'no answer from Asterisk within 10000 ms' });
});

test('every AriRest of one server shares one bounded set of connections; the last close() lets them go', async () => {
  const { srv, rest } = await setup((_req, res) => {
    setTimeout(() => res.writeHead(204).end(), 5);
  }, 3);
  const other = new AriRest({ url: srv.url, username: 'someone', password: 'else' });
  closers.push(() => other.close());
  const burst = Array.from({ length: 40 }, (_, i) => (i % 2 ? rest : other).send('stopPlayback', 'DELETE', `/playbacks/pb-${i}`, undefined, 5000));
  await expect(Promise.all(burst)).resolves.toHaveLength(40);
  expect(srv.stats().peak).toBeLessThanOrEqual(3);
  // Each keeps its own credentials.
  expect(new Set(srv.seen.map((r) => r.authorization)).size).toBe(2);
  other.close();
  await rest.send('stopPlayback', 'DELETE', '/playbacks/still', undefined, 1000);
  expect(srv.stats().open).toBeGreaterThan(0);
  rest.close();
  for (let i = 0; i < 100 && srv.stats().open > 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(srv.stats().open).toBe(0);
});

test('a burst of requests shares at most maxSockets kept-alive connections (Asterisk refuses connections past its sessionlimit)', async () => {
  const { srv, rest } = await setup((_req, res) => {
    setTimeout(() => res.writeHead(204).end(), 5);
  }, 4);
  const burst = Array.from({ length: 60 }, (_, i) => rest.send('stopPlayback', 'DELETE', `/playbacks/pb-${i}`, undefined, 5000));
  await expect(Promise.all(burst)).resolves.toHaveLength(60);
  expect(srv.seen).toHaveLength(60);
  expect(srv.stats().peak).toBeLessThanOrEqual(4);
  expect(srv.stats().total).toBeLessThanOrEqual(4);
  // Later requests reuse those connections.
  await rest.send('stopPlayback', 'DELETE', '/playbacks/again', undefined, 1000);
  expect(srv.stats().total).toBeLessThanOrEqual(4);
  // close() lets them go.
  rest.close();
  for (let i = 0; i < 100 && srv.stats().open > 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(srv.stats().open).toBe(0);
});

test("the URL's own path is kept before /ari (http.conf prefix)", async () => {
  const srv = await server(json(200, { channel_ids: [] }));
  const rest = new AriRest({ url: `${srv.url}/asterisk/`, username: 'u', password: 'p' });
  closers.push(srv.close, () => rest.close());
  await expect(rest.send('getApplication', 'GET', '/applications/voice-portal', undefined, 1000)).resolves.toEqual({ channel_ids: [] });
  expect(srv.seen[0]?.url).toBe('/asterisk/ari/applications/voice-portal');
});

test('open() streams a binary answer as it comes, on the same bounded connections', async () => {
  const wav = Buffer.from([0x52, 0x49, 0x46, 0x46, 0x00, 0xff, 0x10, 0x80]);
  const { srv, rest } = await setup((_req, res) => res.writeHead(200, { 'Content-Type': 'audio/wav' }).end(wav), 2);
  const res = await rest.open('getStoredRecordingFile', '/recordings/stored/vm%2F1001/file', 1000);
  expect(res.headers['content-type']).toBe('audio/wav');
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks)).toEqual(wav);
  expect(srv.seen[0]?.url).toBe('/ari/recordings/stored/vm%2F1001/file');
  await rest.send('getStoredRecording', 'GET', '/recordings/stored/vm%2F1001', undefined, 1000);
  expect(srv.stats().total).toBe(1); // the connection was given back and reused
});

test('open(): an error answer rejects with its status and message; a stalled body errors the stream', async () => {
  const { rest } = await setup((req, res) => {
    if (req.url?.includes('missing')) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"Recording not found"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'audio/wav' });
    res.write(Buffer.alloc(16)); // then nothing more
  });
  await expect(rest.open('getStoredRecordingFile', '/recordings/stored/missing/file', 1000)).rejects.toMatchObject({ status: 404, ariMessage: 'Recording not found' });
  const res = await rest.open('getStoredRecordingFile', '/recordings/stored/stuck/file', 100);
  const read = (async () => {
    for await (const chunk of res) void chunk;
  })();
  // The response ends in an error ("aborted") instead of waiting for ever.
  await expect(read).rejects.toThrow();
});
