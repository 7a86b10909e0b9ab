/**
 * The verbs, end to end: the real engine and ari-client against the ARI double.
 */
import { CallEnded } from '../../src/ari/errors';
import type { GatherResult, PlayResult, RecordResult } from '../../src/ari/call';
import { deferred, outcome, startHarness, type Harness } from './support/harness';
import { StallMeter } from '../support/stalls';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const gatherOpts = { maxDigits: 8, firstDigitTimeoutMs: 1500, interDigitTimeoutMs: 600 };

test('the call carries the channel facts', async () => {
  const seen = deferred<Record<string, unknown>>();
  h.setFlow(async (call) => {
    seen.resolve({
      args: call.args,
      callerNumber: call.callerNumber,
      callerName: call.callerName,
      extension: call.extension,
      language: call.language,
      channelName: call.channelName,
      channelId: call.channelId,
    });
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', callerName: 'Alice', extension: '8000', language: 'fr', args: ['portal', 'paris'] });
  expect(await seen.promise).toEqual({
    args: ['portal', 'paris'],
    callerNumber: '1001',
    callerName: 'Alice',
    extension: '8000',
    language: 'fr',
    channelName: sim.channelName,
    channelId: sim.channelId,
  });
  await expect(sim.ended).resolves.toEqual({ by: 'app-hangup' });
});

test('barge-in stops the prompt; the key and the type-ahead count in the gather; # ends it', async () => {
  const result = deferred<{ play: PlayResult; gather: GatherResult }>();
  h.setFlow(async (call) => {
    await call.answer();
    const play = await call.play(['sound:vm-login', 'sound:vm-password'], { interruptible: true });
    const gather = await call.gather(gatherOpts);
    result.resolve({ play, gather });
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await sim.waitFor((e) => e.kind === 'media-started');
  await sim.press('12*3#', { gapMs: 100 });
  const { play, gather } = await result.promise;
  expect(play).toEqual({ endedBy: 'interrupted', interruptedBy: '1' });
  expect(gather).toEqual({ digits: '12*3', endedBy: 'terminator' });
  expect(sim.heard()).toEqual(['sound:vm-login']);
  expect(sim.log.some((e) => e.kind === 'media-finished' && e.outcome === 'stopped')).toBe(true);
  await sim.ended;
});

test('max digits, then inter-digit timeout with the leftover key, then first-digit timeout', async () => {
  const results = deferred<GatherResult[]>();
  const ready = deferred<void>();
  h.setFlow(async (call) => {
    await call.answer();
    ready.resolve();
    const a = await call.gather({ ...gatherOpts, maxDigits: 3 });
    const b = await call.gather({ ...gatherOpts, interDigitTimeoutMs: 300 });
    const c = await call.gather({ ...gatherOpts, firstDigitTimeoutMs: 200 });
    results.resolve([a, b, c]);
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await ready.promise;
  await sim.press('1234', { gapMs: 60 });
  expect(await results.promise).toEqual([
    { digits: '123', endedBy: 'max' },
    { digits: '4', endedBy: 'timeout' },
    { digits: '', endedBy: 'none' },
  ]);
});

test('a key sent in time but still unread when a held-up event loop runs the inter-digit timeout still counts', async () => {
  const result = deferred<GatherResult>();
  const firstKey = deferred<void>();
  h.setFlow(async (call) => {
    await call.answer();
    const entry = call.gather({ ...gatherOpts, interDigitTimeoutMs: 100 });
    firstKey.resolve();
    result.resolve(await entry);
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await firstKey.promise;
  await sim.press('1', { durationMs: 1 });
  await new Promise((r) => setTimeout(r, 30));
  // The next key leaves "Asterisk" within the timeout, then this process is held up past it:
  // when it runs again, the timeout is due and the key is still unread on the socket.
  await sim.press('2', { durationMs: 1 });
  const until = Date.now() + 250;
  while (Date.now() < until);
  await sim.press('#', { durationMs: 1 });
  expect(await result.promise).toEqual({ digits: '12', endedBy: 'terminator' });
});

test('play in order to the end, then a playback Asterisk never finishes (recording:nope) times out', async () => {
  const results = deferred<PlayResult[]>();
  h.setFlow(async (call) => {
    await call.answer();
    const a = await call.play(['sound:vm-login', 'digits:12']);
    const b = await call.play('recording:nope', { timeoutMs: 300 });
    results.resolve([a, b]);
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  const started = Date.now();
  const stalls = new StallMeter();
  const [a, b] = await results.promise;
  stalls.stop();
  expect(a).toEqual({ endedBy: 'done' });
  expect(b).toEqual({ endedBy: 'timeout', timedOut: true });
  expect(Date.now() - started).toBeLessThan(3000 + stalls.lostMs());
  expect(sim.heard()).toEqual(['sound:vm-login', 'digits:12', 'recording:nope']);
});

test('record ended by #: the # does not reach the next gather', async () => {
  const results = deferred<{ rec: RecordResult; next: GatherResult }>();
  h.setFlow(async (call) => {
    await call.answer();
    const rec = await call.record({ name: 'test/rec-pound', maxSeconds: 60, beep: true, ifExists: 'overwrite' });
    const next = await call.gather({ ...gatherOpts, firstDigitTimeoutMs: 300 });
    results.resolve({ rec, next });
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await sim.waitFor((e) => e.kind === 'recording-started');
  // No sim.speak() here: the double wrongly arms silence detection when the caller stops
  // talking even with maxSilenceSeconds 0 (see the report); real Asterisk does not.
  await new Promise((r) => setTimeout(r, 2.5 * 1000 * h.double.timeScale));
  await sim.press('#');
  const { rec, next } = await results.promise;
  expect(rec).toMatchObject({ name: 'test/rec-pound', endedBy: 'terminator' });
  expect(next).toEqual({ digits: '', endedBy: 'none' });
  expect(h.double.storedRecordings().has('test/rec-pound')).toBe(true);
});

test('record ended by maxSeconds', async () => {
  const result = deferred<RecordResult>();
  h.setFlow(async (call) => {
    await call.answer();
    result.resolve(await call.record({ name: 'test/rec-max', maxSeconds: 3, ifExists: 'overwrite' }));
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await sim.waitFor((e) => e.kind === 'recording-started');
  sim.speak(10);
  expect(await result.promise).toEqual({ name: 'test/rec-max', durationSec: 3, endedBy: 'max' });
});

test('record ended by silence: classified so from the figures Asterisk sends (silence_duration about 0)', async () => {
  const result = deferred<RecordResult>();
  h.setFlow(async (call) => {
    await call.answer();
    result.resolve(await call.record({ name: 'test/rec-silence', maxSeconds: 30, maxSilenceSeconds: 2, ifExists: 'overwrite' }));
    await call.hangup();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await sim.waitFor((e) => e.kind === 'recording-started');
  sim.speak(3);
  expect(await result.promise).toMatchObject({ name: 'test/rec-silence', endedBy: 'silence' });
});

test('hang-up during play, during gather: the verb rejects with CallEnded; later verbs too', async () => {
  for (const verb of ['play', 'gather'] as const) {
    const seen = deferred<{ first: unknown; later: unknown; ended: unknown }>();
    const inVerb = deferred<void>();
    h.setFlow(async (call) => {
      await call.answer();
      inVerb.resolve(); // the verb starts in this same tick
      const first = await outcome<unknown>(verb === 'play' ? call.play('sound:vm-login') : call.gather({ ...gatherOpts, firstDigitTimeoutMs: 10_000 }));
      const later = await outcome(call.play('sound:vm-goodbye'));
      seen.resolve({ first, later, ended: await call.ended });
    });
    const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
    await inVerb.promise;
    if (verb === 'play') await sim.waitFor((e) => e.kind === 'media-started');
    await sim.hangup();
    const { first, later, ended } = await seen.promise;
    expect((first as { err: Error }).err).toBeInstanceOf(CallEnded);
    expect((later as { err: Error }).err).toBeInstanceOf(CallEnded);
    expect(ended).toEqual({ reason: 'stasis-end' });
    // The later verb never reached Asterisk: nothing was played after the hang-up.
    expect(sim.heard().filter((m) => m === 'sound:vm-goodbye')).toEqual([]);
  }
  expect(h.engine.activeCallCount()).toBe(0);
});

test('hang-up during a recording resolves it with endedBy hangup, and the audio is kept', async () => {
  const seen = deferred<unknown>();
  h.setFlow(async (call) => {
    await call.answer();
    seen.resolve(await outcome(call.record({ name: 'test/rec-hangup', maxSeconds: 60, beep: true, ifExists: 'overwrite' })));
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await sim.waitFor((e) => e.kind === 'recording-started');
  await new Promise((r) => setTimeout(r, 2.5 * 1000 * h.double.timeScale));
  await sim.hangup();
  const result = (await seen.promise) as { ok: RecordResult };
  expect(result.ok).toMatchObject({ name: 'test/rec-hangup', endedBy: 'hangup' });
  expect(result.ok.durationSec).toBeGreaterThanOrEqual(1);
  expect(h.double.storedRecordings().has('test/rec-hangup')).toBe(true);
});

test('continueInDialplan leaves Stasis', async () => {
  h.setFlow(async (call) => {
    await call.answer();
    await call.continueInDialplan();
    await call.ended;
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await expect(sim.ended).resolves.toEqual({ by: 'continue' });
});

test('a flow that returns without hanging up: the engine hangs up', async () => {
  h.setFlow(async (call) => {
    await call.answer();
  });
  const sim = await h.double.placeCall({ callerNumber: '1001', extension: '8000' });
  await expect(sim.ended).resolves.toEqual({ by: 'app-hangup' });
});
