/**
 * Connection life against the ARI double: socket drops and Asterisk restarts during and
 * between calls, a restart longer than ari-client's reconnect budget, another instance taking
 * the app over, and 1000 calls leaving no listener or handle behind.
 */
import { CallEnded } from '../../src/ari/errors';
import type { Call, GatherResult } from '../../src/ari/call';
import { connectAriClient } from '../../src/ari/ari-client';
import { startAriEngine } from '../../src/ari/engine';
import { silentLogger } from '../../src/log';
import { deferred, outcome, PASS, startHarness, until, USER, waitForState, type Harness } from './support/harness';

const longGather = { maxDigits: 4, firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 300 };

async function answerAndHangUp(h: Harness): Promise<void> {
  h.setFlow(async (call) => {
    await call.answer();
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1002', extension: '8000' });
  await expect(sim.ended).resolves.toEqual({ by: 'app-hangup' });
}

describe('with ari-client reconnecting by itself', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('a WebSocket drop in the middle of a gather: keys pressed after the reconnect still count, marked keysLost', async () => {
    const result = deferred<GatherResult>();
    const inGather = deferred<void>();
    h.setFlow(async (call) => {
      await call.answer();
      inGather.resolve();
      result.resolve(await call.gather(longGather));
      await call.hangup();
    });
    const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
    await inGather.promise;
    const generation = h.engine.clientGeneration();
    h.double.dropWebSockets();
    await waitForState(h.engine, 'reconnecting');
    await waitForState(h.engine, 'connected');
    expect(h.engine.clientGeneration()).toBe(generation); // ari-client's own reconnect did it
    await sim.press('42#');
    // Keys typed while the socket was down would be missing: the flow is told so.
    await expect(result.promise).resolves.toEqual({ digits: '42', endedBy: 'terminator', keysLost: true });
  });

  test('a call that arrives while no socket is connected (StasisStart lost) is adopted after the reconnect', async () => {
    const served: { args: readonly string[]; extension: string }[] = [];
    const firstInGather = deferred<void>();
    h.setFlow(async (call) => {
      await call.answer();
      served.push({ args: call.args, extension: call.extension });
      if (served.length === 1) firstInGather.resolve();
      await call.gather(longGather);
      await call.hangup();
    });
    // A first call keeps the app alive in Asterisk while the socket is down.
    const first = await h.double.placeCall({ callerNumber: '1001', extension: '8000', args: ['portal', 'paris'] });
    await firstInGather.promise;
    h.double.dropWebSockets();
    const second = await h.double.placeCall({ callerNumber: '1002', extension: '8000', args: ['deposit', '1001', 'busy'] });
    expect(second.stasisFailed).toBe(false);
    expect(h.double.registeredApps()).not.toContain('voice-portal'); // its StasisStart went nowhere
    await until(() => served.length === 2);
    expect(served[1]).toEqual({ args: ['deposit', '1001', 'busy'], extension: '8000' });
    await first.press('1#');
    await second.press('2#');
    await expect(second.ended).resolves.toEqual({ by: 'app-hangup' });
    await expect(first.ended).resolves.toEqual({ by: 'app-hangup' });
  });

  test('a drop between calls: the next call is served', async () => {
    h.double.dropWebSockets();
    await waitForState(h.engine, 'reconnecting');
    await waitForState(h.engine, 'connected');
    await answerAndHangUp(h);
  });

  test('hang-up while no socket is connected (StasisEnd lost): the call still ends, as gone', async () => {
    const seen = deferred<{ verb: unknown; ended: unknown }>();
    const inGather = deferred<void>();
    h.setFlow(async (call) => {
      await call.answer();
      inGather.resolve();
      const verb = await outcome(call.gather(longGather));
      seen.resolve({ verb, ended: await call.ended });
    });
    const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
    await inGather.promise;
    h.double.dropWebSockets();
    await sim.hangup(); // its events go nowhere: no socket
    const { verb, ended } = await seen.promise;
    expect((verb as { err: Error }).err).toBeInstanceOf(CallEnded);
    expect(ended).toEqual({ reason: 'gone' });
    expect(h.engine.activeCallCount()).toBe(0);
  });

  test('Asterisk restarts in the middle of a call: the call ends, the next one is served', async () => {
    const seen = deferred<unknown>();
    const inGather = deferred<void>();
    h.setFlow(async (call) => {
      await call.answer();
      inGather.resolve();
      const verb = await outcome(call.gather(longGather));
      seen.resolve({ verb, ended: await call.ended });
    });
    await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
    await inGather.promise;
    await h.double.restartAsterisk(4000); // 200 ms real at timeScale 0.05
    await waitForState(h.engine, 'connected');
    const { verb, ended } = (await seen.promise) as { verb: { err: Error }; ended: unknown };
    expect(verb.err).toBeInstanceOf(CallEnded);
    expect(ended).toEqual({ reason: 'gone' });
    await answerAndHangUp(h);
  });

  test('a restart between calls: the next call is served', async () => {
    await h.double.restartAsterisk(2000);
    await waitForState(h.engine, 'connected');
    await answerAndHangUp(h);
  });
});

test('a restart longer than the client budget: a fresh client is built and serves the next call', async () => {
  // clientGiveUpMs stands in for ari-client's ~43 s budget (engine-fake-client.test.ts drives
  // the real signal, WebSocketMaxRetries); the path after it is the same.
  const h = await startHarness({ engine: { reconnect: { clientGiveUpMs: 300 } } });
  try {
    expect(h.engine.clientGeneration()).toBe(1);
    const restarted = h.double.restartAsterisk(30_000); // 1.5 s real
    await waitForState(h.engine, 'reconnecting');
    await restarted;
    await waitForState(h.engine, 'connected', 10_000);
    expect(h.engine.clientGeneration()).toBeGreaterThanOrEqual(2);
    expect(h.double.socketCount('voice-portal')).toBe(1);
    await answerAndHangUp(h);
    // The retired client's leftover reconnect timer must not open a second socket later.
    await new Promise((r) => setTimeout(r, 500));
    expect(h.double.socketCount('voice-portal')).toBe(1);
    await answerAndHangUp(h);
  } finally {
    await h.close();
  }
});

test('a request made while the client is being rebuilt waits for the new one instead of failing at once', async () => {
  // The rebuild is held open by a connectClient that waits for the test after its first use;
  // clientGiveUpMs shorter than ari-client's first socket retry (100 ms) makes a drop retire the client.
  const rebuildMayConnect = deferred<void>();
  let builds = 0;
  const h = await startHarness({
    engine: {
      reconnect: { clientGiveUpMs: 50 },
      connectClient: async (...args: Parameters<typeof connectAriClient>) => {
        builds += 1;
        if (builds > 1) await rebuildMayConnect.promise;
        return connectAriClient(...args);
      },
    },
  });
  try {
    const mayPlay = deferred<void>();
    const answered = deferred<void>();
    const played = deferred<{ ok: unknown } | { err: Error }>();
    h.setFlow(async (call) => {
      await call.answer();
      answered.resolve();
      await mayPlay.promise;
      played.resolve(await outcome(call.play('sound:goodbye')));
      await call.hangup();
    });
    const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
    await answered.promise;
    h.double.dropWebSockets();
    await until(() => builds === 2); // the old client is retired, the new one is held
    mayPlay.resolve(); // the flow's next request, with no client at all
    await new Promise((r) => setTimeout(r, 200));
    rebuildMayConnect.resolve();
    const result = await played.promise;
    expect('err' in result ? result.err.message : 'played').toBe('played');
    expect(sim.heard()).toContain('sound:goodbye');
    await expect(sim.ended).resolves.toEqual({ by: 'app-hangup' });
    expect(h.engine.clientGeneration()).toBe(2);
  } finally {
    rebuildMayConnect.resolve();
    await h.close();
  }
});

test('ApplicationReplaced: the replaced engine stands by and never takes the app back; its calls move over', async () => {
  const h = await startHarness();
  const served: string[] = [];
  // A call in progress on the first engine when the second one takes the app over.
  const inGather = deferred<void>();
  const firstEngineOutcome = deferred<unknown>();
  h.setFlow(async (call) => {
    await call.answer();
    inGather.resolve();
    firstEngineOutcome.resolve(await outcome(call.gather(longGather)));
  });
  const inProgress = await h.double.placeCall({ callerNumber: '1002', extension: '8000' });
  await inGather.promise;
  const second = startAriEngine({
    config: { url: h.double.url, username: USER, password: PASS, app: 'voice-portal' },
    logger: silentLogger(),
    onCall: async (call: Call) => {
      served.push(call.channelId);
      await call.answer();
      await call.hangup();
    },
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, pingIntervalMs: 0 },
  });
  try {
    await waitForState(h.engine, 'standby');
    await waitForState(second, 'connected');
    // The first engine let go of its call without hanging up; the second adopted and served it.
    expect(((await firstEngineOutcome.promise) as { err: Error }).err).toBeInstanceOf(CallEnded);
    await expect(inProgress.ended).resolves.toEqual({ by: 'app-hangup' });
    expect(served).toEqual([inProgress.channelId]);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.engine.state).toBe('standby');
    expect(h.double.socketCount('voice-portal')).toBe(1);
    const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
    await expect(sim.ended).resolves.toEqual({ by: 'app-hangup' });
    expect(served).toEqual([inProgress.channelId, sim.channelId]);
  } finally {
    await second.stop();
    await h.close();
  }
});

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** Resource counts once they stop moving (closing HTTP sockets linger for a moment). */
async function settledCounts(): Promise<Record<string, number>> {
  let last = JSON.stringify(resourceCounts());
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = JSON.stringify(resourceCounts());
    if (now === last) return JSON.parse(now) as Record<string, number>;
    last = now;
  }
  return JSON.parse(last) as Record<string, number>;
}

test('1000 sequential calls leave no listener and no handle behind', async () => {
  const h = await startHarness({ double: { timeScale: 0.002 } });
  try {
    const flow = async (call: Call): Promise<void> => {
      await call.answer();
      await call.play('sound:beep');
      await call.hangup();
    };
    h.setFlow(flow);
    const one = async (): Promise<void> => {
      const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
      await sim.ended;
    };
    await one(); // warm-up: HTTP agents and sockets in place
    const listenersBefore = h.engine.listenerNames();
    const resourcesBefore = await settledCounts();
    for (let i = 0; i < 1000; i++) await one();
    // The double resolves `ended` as it sends StasisEnd; the engine gets it a moment later.
    await until(() => h.engine.activeCallCount() === 0, 2000);
    expect(h.engine.listenerNames()).toEqual(listenersBefore);
    expect(listenersBefore.some((n) => /-\d/.test(n))).toBe(false); // no `<Event>-<channelId>`
    // Nothing of any kind more than before. (Fewer TCP sockets is normal: the keep-alive
    // sockets of the connect-time API-docs load time out on the server meanwhile.)
    const after = await settledCounts();
    for (const [kind, count] of Object.entries(after)) {
      expect({ kind, count: Math.min(count, resourcesBefore[kind] ?? 0) }).toEqual({ kind, count });
    }
    expect(after.Timeout ?? 0).toBe(resourcesBefore.Timeout ?? 0);
  } finally {
    await h.close();
  }
}, 60_000);
