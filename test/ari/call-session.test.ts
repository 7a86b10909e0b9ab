/**
 * The Call implementation driven directly with events and a fake REST layer: the rules of
 * type-ahead, barge-in, gather endings, recording classification and the end of a call,
 * without a socket in the way.
 */
import { silentLogger } from '../../src/log';
import { CallSession } from '../../src/ari/call-session';
import { AriError, CallBusy, CallEnded } from '../../src/ari/errors';
import type { CallRest } from '../../src/ari/verb';

interface Sent {
  op: string;
  args: unknown[];
}

function fakeRest(overrides: Partial<CallRest> = {}): { rest: CallRest; sent: Sent[] } {
  const sent: Sent[] = [];
  const ok =
    (op: string) =>
    async (...args: unknown[]): Promise<void> => {
      sent.push({ op, args });
    };
  const rest: CallRest = {
    answer: ok('answer'),
    play: ok('play'),
    stopPlayback: ok('stopPlayback'),
    record: ok('record'),
    stopRecording: ok('stopRecording'),
    hangup: ok('hangup'),
    continueInDialplan: ok('continueInDialplan'),
    playbackGone: async () => false,
    liveRecordingGone: async () => false,
    ...overrides,
  };
  return { rest, sent };
}

function makeCall(rest: CallRest, playbackTimeoutMs = 1000): CallSession {
  return new CallSession(
    { id: 'chan-1', name: 'PJSIP/1001-00000001', language: 'fr', caller: { number: '1001', name: 'Alice' }, dialplan: { context: 'voice-portal', exten: '8000' } },
    ['portal', 'paris'],
    rest,
    silentLogger(),
    { playbackTimeoutMs, recordingGraceMs: 200 },
    () => undefined,
  );
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function playbackIdOf(sent: Sent[]): string {
  const play = sent.find((s) => s.op === 'play');
  if (!play) throw new Error('no play request');
  return play.args[3] as string;
}

test('exposes the channel facts', () => {
  const call = makeCall(fakeRest().rest);
  expect([call.channelId, call.channelName, call.callerNumber, call.callerName, call.extension, call.context, call.language]).toEqual([
    'chan-1',
    'PJSIP/1001-00000001',
    '1001',
    'Alice',
    '8000',
    'voice-portal',
    'fr',
  ]);
  expect(call.args).toEqual(['portal', 'paris']);
});

test('a media list is one playback in the channel language; done on PlaybackFinished(done)', async () => {
  const { rest, sent } = fakeRest();
  const call = makeCall(rest);
  const played = call.play(['sound:vm-login', 'digits:12']);
  await tick();
  expect(sent).toEqual([{ op: 'play', args: ['chan-1', ['sound:vm-login', 'digits:12'], 'fr', expect.any(String)] }]);
  const id = playbackIdOf(sent);
  call.handlePlayback({ type: 'PlaybackStarted', playbackId: id, state: 'playing' });
  call.handlePlayback({ type: 'PlaybackFinished', playbackId: 'someone-else', state: 'done' });
  call.handlePlayback({ type: 'PlaybackFinished', playbackId: id, state: 'done' });
  await expect(played).resolves.toEqual({ endedBy: 'done' });
});

test('barge-in: the first key stops the playback and is the first digit of the next gather', async () => {
  const { rest, sent } = fakeRest();
  const call = makeCall(rest);
  const played = call.play('sound:vm-login', { interruptible: true });
  await tick();
  call.handleDtmf('4');
  call.handleDtmf('2');
  await expect(played).resolves.toEqual({ endedBy: 'interrupted', interruptedBy: '4' });
  expect(sent.map((s) => s.op)).toEqual(['play', 'stopPlayback']);
  expect(sent[1]?.args).toEqual([playbackIdOf(sent)]);
  // An interruptible prompt while keys are buffered is skipped without asking Asterisk.
  await expect(call.play('sound:vm-password', { interruptible: true })).resolves.toEqual({ endedBy: 'interrupted', interruptedBy: '4' });
  expect(sent).toHaveLength(2);
  const gathered = call.gather({ maxDigits: 6, firstDigitTimeoutMs: 500, interDigitTimeoutMs: 500 });
  call.handleDtmf('*');
  call.handleDtmf('#');
  await expect(gathered).resolves.toEqual({ digits: '42*', endedBy: 'terminator' });
});

test('keys during a non-interruptible prompt are discarded', async () => {
  const { rest, sent } = fakeRest();
  const call = makeCall(rest);
  const played = call.play('sound:vm-goodbye');
  await tick();
  call.handleDtmf('9');
  call.handlePlayback({ type: 'PlaybackFinished', playbackId: playbackIdOf(sent), state: 'done' });
  await expect(played).resolves.toEqual({ endedBy: 'done' });
  await expect(call.gather({ maxDigits: 1, firstDigitTimeoutMs: 30, interDigitTimeoutMs: 30 })).resolves.toEqual({ digits: '', endedBy: 'none' });
});

test('a playback that never finishes times out, is stopped, and says so', async () => {
  const { rest, sent } = fakeRest();
  const call = makeCall(rest, 60);
  const started = Date.now();
  await expect(call.play('recording:nope')).resolves.toEqual({ endedBy: 'timeout', timedOut: true });
  expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  expect(sent.map((s) => s.op)).toEqual(['play', 'stopPlayback']);
});

test('gather: max digits leaves the rest buffered; inter-digit timeout; none', async () => {
  const call = makeCall(fakeRest().rest);
  call.handleDtmf('1');
  call.handleDtmf('2');
  call.handleDtmf('3');
  await expect(call.gather({ maxDigits: 2, firstDigitTimeoutMs: 50, interDigitTimeoutMs: 50 })).resolves.toEqual({ digits: '12', endedBy: 'max' });
  await expect(call.gather({ maxDigits: 4, firstDigitTimeoutMs: 50, interDigitTimeoutMs: 40 })).resolves.toEqual({ digits: '3', endedBy: 'timeout' });
  await expect(call.gather({ maxDigits: 4, firstDigitTimeoutMs: 40, interDigitTimeoutMs: 40 })).resolves.toEqual({ digits: '', endedBy: 'none' });
  await expect(call.gather({ maxDigits: 0, firstDigitTimeoutMs: 40, interDigitTimeoutMs: 40 })).rejects.toThrow(RangeError);
});

test('record: the terminating # is swallowed and classifies the end; hang-up resolves it', async () => {
  const { rest } = fakeRest();
  const call = makeCall(rest);
  const rec = call.record({ name: 'vm/1001/greeting', maxSeconds: 30, beep: true });
  await tick();
  call.handleRecording({ type: 'RecordingStarted', name: 'vm/1001/greeting', state: 'recording' });
  call.handleDtmf('#');
  call.handleRecording({ type: 'RecordingFinished', name: 'vm/1001/greeting', state: 'done', duration: 2 });
  await expect(rec).resolves.toEqual({ name: 'vm/1001/greeting', durationSec: 2, endedBy: 'terminator' });
  await expect(call.gather({ maxDigits: 1, firstDigitTimeoutMs: 20, interDigitTimeoutMs: 20 })).resolves.toEqual({ digits: '', endedBy: 'none' });

  const silent = call.record({ name: 's', maxSeconds: 30, maxSilenceSeconds: 3 });
  // Asterisk's figures for 5 s of speech then 3 s of silence: the trailing silence cut off.
  call.handleRecording({ type: 'RecordingFinished', name: 's', state: 'done', duration: 6, talkingDuration: 6, silenceDuration: 0 });
  await expect(silent).resolves.toMatchObject({ endedBy: 'silence' });
  const full = call.record({ name: 'm', maxSeconds: 3, maxSilenceSeconds: 3 });
  call.handleRecording({ type: 'RecordingFinished', name: 'm', state: 'done', duration: 3, talkingDuration: 3, silenceDuration: 0 });
  await expect(full).resolves.toMatchObject({ endedBy: 'max' });

  const cut = call.record({ name: 'h', maxSeconds: 30 });
  call.handleHangupRequest();
  call.handleRecording({ type: 'RecordingFinished', name: 'h', state: 'done', duration: 2 });
  await expect(cut).resolves.toEqual({ name: 'h', durationSec: 2, endedBy: 'hangup' });
});

test('after the end: the pending verb rejects with CallEnded, later verbs too, hangup resolves', async () => {
  const { rest, sent } = fakeRest();
  const call = makeCall(rest);
  const ends: string[] = [];
  call.onEnd((i) => ends.push(i.reason));
  const gathering = call.gather({ maxDigits: 4, firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 10_000 });
  await expect(call.play('sound:x')).rejects.toBeInstanceOf(CallBusy);
  call.end({ reason: 'stasis-end' });
  await expect(gathering).rejects.toBeInstanceOf(CallEnded);
  await expect(call.play('sound:x')).rejects.toBeInstanceOf(CallEnded);
  await expect(call.answer()).rejects.toBeInstanceOf(CallEnded);
  await expect(call.hangup()).resolves.toBeUndefined();
  await expect(call.ended).resolves.toEqual({ reason: 'stasis-end' });
  expect(call.isEnded).toBe(true);
  expect(ends).toEqual(['stasis-end']);
  expect(sent).toEqual([]);
});

test('hang-ups before the StasisEnd share one DELETE; a failed one is retried by the next', async () => {
  let failNext = true;
  const { rest, sent } = fakeRest();
  const sendHangup = rest.hangup;
  rest.hangup = async (channelId) => {
    if (failNext) {
      failNext = false;
      throw new AriError('hangup', 'Internal Server Error', 500);
    }
    await sendHangup(channelId);
  };
  const call = makeCall(rest);
  await expect(call.hangup()).rejects.toMatchObject({ status: 500 });
  // The goodbye, the entry's clean-up and the engine's safety net, all before StasisEnd.
  await Promise.all([call.hangup(), call.hangup(), call.hangup()]);
  await call.hangup();
  expect(sent.filter((s) => s.op === 'hangup')).toHaveLength(1);
  call.end({ reason: 'stasis-end' });
  await expect(call.hangup()).resolves.toBeUndefined();
  expect(sent.filter((s) => s.op === 'hangup')).toHaveLength(1);
});

test('"Channel not found" from Asterisk ends the call (its StasisEnd was lost)', async () => {
  const gone = new AriError('play', 'Channel not found', 404);
  const { rest } = fakeRest({ play: () => Promise.reject(gone) });
  const call = makeCall(rest);
  await expect(call.play('sound:x')).rejects.toBeInstanceOf(CallEnded);
  await expect(call.ended).resolves.toEqual({ reason: 'gone' });
});

test('other ARI errors reach the flow typed', async () => {
  const { rest } = fakeRest({ record: () => Promise.reject(new AriError('record', "Recording 'x' already exists and can not be overwritten", 409)) });
  const call = makeCall(rest);
  await expect(call.record({ name: 'x', maxSeconds: 5 })).rejects.toMatchObject({ name: 'AriError', status: 409 });
  expect(call.isEnded).toBe(false);
});
