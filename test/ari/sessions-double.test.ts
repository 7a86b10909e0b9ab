/**
 * Asterisk's HTTP session limit (http.conf `sessionlimit`, 100 by default): connections past
 * it are closed unanswered. The engine's REST requests share a bounded set of kept-alive
 * connections and stay under it when hundreds of calls arrive at once; ari-client's own REST
 * calls, one connection per request in flight, do not (and a refused one never settles).
 */
import net from 'node:net';
import { WebSocket } from 'ws';
import { connectAriClient, retireClient } from '../../src/ari/ari-client';
import { AsteriskDouble } from '../double';
import { PASS, startHarness, until, USER } from './support/harness';

/** An open connection that has sent one complete request (kept alive afterwards). */
function openSession(port: number): Promise<{ socket: net.Socket; answered: Promise<boolean> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const auth = Buffer.from(`${USER}:${PASS}`).toString('base64');
      socket.write(`GET /ari/channels HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ${auth}\r\n\r\n`);
      const answered = new Promise<boolean>((done) => {
        socket.once('data', () => done(true));
        socket.once('close', () => done(false));
      });
      resolve({ socket, answered });
    });
    socket.once('error', reject);
  });
}

test('the double closes, unanswered, a connection past its session limit; a WebSocket leaves the count', async () => {
  const double = await AsteriskDouble.start({ username: USER, password: PASS, sessionLimit: 2 });
  const events = new WebSocket(`ws://127.0.0.1:${double.port}/ari/events?app=voice-portal&api_key=${USER}:${PASS}`);
  try {
    await new Promise((opened, failed) => {
      events.once('open', opened);
      events.once('error', failed);
    });
    expect(double.socketCount('voice-portal')).toBe(1);
    await until(() => double.sessions().open === 0); // the upgraded connection is not a session
    const first = await openSession(double.port);
    const second = await openSession(double.port);
    await expect(first.answered).resolves.toBe(true);
    await expect(second.answered).resolves.toBe(true);
    const third = await openSession(double.port);
    await expect(third.answered).resolves.toBe(false);
    expect(double.sessions()).toMatchObject({ open: 2, refused: 1 });
    first.socket.destroy();
    await until(() => double.sessions().open === 1);
    const fourth = await openSession(double.port);
    await expect(fourth.answered).resolves.toBe(true);
    second.socket.destroy();
    fourth.socket.destroy();
  } finally {
    events.terminate();
    await double.close();
  }
});

test('300 calls at once: every request answered within the default limit of 100 sessions', async () => {
  const h = await startHarness();
  try {
    h.setFlow(async (call) => {
      await call.answer();
      await call.play('sound:beep');
      await call.hangup();
    });
    h.double.resetSessionPeak();
    h.double.resetSessionPeak('voice-portal');
    const calls = await Promise.all(Array.from({ length: 300 }, (_, i) => h.double.placeCall({ callerNumber: String(2000 + i), extension: '8000' })));
    const ends = await Promise.all(calls.map((c) => c.ended));
    expect(ends.filter((e) => e.by === 'app-hangup')).toHaveLength(300);
    expect(h.double.sessions().refused).toBe(0);
    // The connections that carried these calls' requests (ari-client's API-docs load kept a
    // few more of its own, idle, for a while).
    const own = h.double.sessions('voice-portal');
    expect(own.peak).toBeGreaterThan(0);
    expect(own.peak).toBeLessThanOrEqual(32);
  } finally {
    await h.close();
  }
});

test("ari-client's own REST calls open a connection per request in flight: past the limit, requests are refused and never settle", async () => {
  const double = await AsteriskDouble.start({ username: USER, password: PASS });
  // The real client has every swagger operation; the engine's narrow interface leaves them out.
  const client = (await connectAriClient(double.url, USER, PASS, 5000)) as unknown as { channels: { list(): PromiseLike<unknown> } };
  const timers: NodeJS.Timeout[] = [];
  try {
    // swagger-client has no error path for a connection closed unanswered: such a request
    // neither resolves nor rejects. Give each a bound.
    const bounded = (p: PromiseLike<unknown>): Promise<'answered' | 'failed' | 'no answer'> =>
      new Promise((settle) => {
        timers.push(setTimeout(() => settle('no answer'), 3000));
        p.then(
          () => settle('answered'),
          () => settle('failed'),
        );
      });
    const outcomes = await Promise.all(Array.from({ length: 300 }, () => bounded(client.channels.list())));
    expect(double.sessions().refused).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 'answered').length).toBeLessThan(300);
    expect(outcomes).toContain('no answer');
  } finally {
    for (const t of timers) clearTimeout(t);
    retireClient(client as never);
    await double.close();
  }
});
