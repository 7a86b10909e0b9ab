/**
 * One focused test per behaviour the application relies on (README summary, §3-§8): each
 * fails if the double stops doing it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AsteriskDouble } from './index';
import type { SimCall } from './control';
import { silentWav } from './wav';
import { StallMeter } from '../support/stalls';
import { EventSocket, rest, sleep, startDouble, type AriEventJson } from './test-support';

let double: AsteriskDouble;
let sock: EventSocket;
let call: SimCall;
let soundsDir: string;
/** Upper bounds below add the time this process lost to stalls (`lostSimMs`). */
let stalls: StallMeter;

const SCALE = 0.1; // slow enough that a loaded CI machine does not blur the Asterisk-time bounds below
/** Asterisk time lost to this process's stalls so far. */
const lostSimMs = (): number => stalls.lostMs() / SCALE;
const pbOf = (e: AriEventJson): { id: string; state: string; media_uri: string; language: string } =>
  e.playback as { id: string; state: string; media_uri: string; language: string };
const recOf = (e: AriEventJson): Record<string, unknown> => e.recording as Record<string, unknown>;
const play = (media: string, id: string, extra = '') => rest(double, 'POST', `/channels/${call.channelId}/play?media=${encodeURIComponent(media)}&playbackId=${id}${extra}`);
const record = (query: string) => rest(double, 'POST', `/channels/${call.channelId}/record?${query}`);
const typesFor = (id: string): string[] => sock.events.filter((e) => e.playback && pbOf(e).id === id).map((e) => `${e.type}:${pbOf(e).state}`);

beforeAll(() => {
  soundsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'double-sounds-'));
  fs.mkdirSync(path.join(soundsDir, 'en'));
  fs.mkdirSync(path.join(soundsDir, 'fr'));
  fs.writeFileSync(path.join(soundsDir, 'en', 'only-english.wav'), silentWav(3.0));
  fs.writeFileSync(path.join(soundsDir, 'en', 'both.wav'), silentWav(1.0));
  fs.writeFileSync(path.join(soundsDir, 'fr', 'both.wav'), silentWav(2.0));
});
afterAll(() => fs.rmSync(soundsDir, { recursive: true, force: true }));

beforeEach(async () => {
  double = await startDouble({ timeScale: SCALE, soundsDirs: [soundsDir] });
  sock = await EventSocket.open(double);
  call = await double.placeCall({ callerNumber: '1001', extension: '8000', args: ['portal'] });
  await sock.waitType('StasisStart');
  stalls = new StallMeter();
});
afterEach(async () => {
  stalls.stop();
  sock.close();
  await double.close();
});

describe('channel and event shapes', () => {
  test('StasisStart: args, state Ring, exact channel keys, Asterisk timestamp, asterisk_id, application', () => {
    const e = sock.events[0];
    expect(Object.keys(e)).toEqual(['type', 'timestamp', 'args', 'channel', 'asterisk_id', 'application']);
    expect(e.args).toEqual(['portal']);
    expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect([e.asterisk_id, e.application]).toEqual(['02:fc:00:00:00:01', 'voice-portal']);
    const ch = e.channel as Record<string, unknown>;
    expect(Object.keys(ch)).toEqual(['id', 'name', 'state', 'protocol_id', 'caller', 'connected', 'accountcode', 'dialplan', 'creationtime', 'language']);
    expect(Object.keys(ch.dialplan as object)).toEqual(['context', 'exten', 'priority', 'app_name', 'app_data']);
    expect(ch.state).toBe('Ring');
    expect(ch.id).toMatch(/^\d{10}\.\d+$/);
    expect(ch.name).toMatch(/^PJSIP\/1001-[0-9a-f]{8}$/);
    expect(ch.dialplan).toMatchObject({ context: 'voice-portal', exten: '8000', app_name: 'Stasis', app_data: 'voice-portal,portal' });
  });

  test('answer → 204 and ChannelStateChange Up; SimCall.state follows', async () => {
    expect(call.state).toBe('Ring');
    expect((await rest(double, 'POST', `/channels/${call.channelId}/answer`)).status).toBe(204);
    const [change] = await sock.waitType('ChannelStateChange');
    expect((change.channel as { state: string }).state).toBe('Up');
    expect(call.state).toBe('Up');
  });
});

describe('playback', () => {
  test('queued playbacks play one after another, the next starting as the previous finishes', async () => {
    await play('sound:vm-login', 'a');
    await play('sound:digits/1', 'b');
    await sock.waitFor((e) => e.type === 'PlaybackFinished' && pbOf(e).id === 'b');
    const seq = sock.events.filter((e) => e.playback).map((e) => `${e.type}:${pbOf(e).id}`);
    expect(seq).toEqual(['PlaybackStarted:a', 'PlaybackFinished:a', 'PlaybackStarted:b', 'PlaybackFinished:b']);
    const log = call.log.filter((e) => e.kind.startsWith('media'));
    expect(log[2].at - log[1].at).toBeLessThan(10 + stalls.lostMs());
  });

  test('a media list is one playback: Started per item, Continuing between, one Finished; 201 has next_media_uri', async () => {
    const reply = await play('sound:vm-login,digits:12,number:42', 'list');
    expect(reply.body).toMatchObject({ id: 'list', media_uri: 'sound:vm-login', next_media_uri: 'digits:12' });
    await sock.waitFor((e) => e.type === 'PlaybackFinished');
    expect(typesFor('list')).toEqual([
      'PlaybackStarted:playing', 'PlaybackContinuing:continuing', 'PlaybackStarted:playing',
      'PlaybackContinuing:continuing', 'PlaybackStarted:playing', 'PlaybackFinished:done',
    ]);
    expect(call.heard()).toEqual(['sound:vm-login', 'digits:12', 'number:42']);
  });

  test('say media last ~0.55 s per word (digits:1234 ≈ 2.2 s, number:42 = "forty" "two")', async () => {
    await play('digits:1234', 'say');
    await sock.waitType('PlaybackFinished');
    const [started, finished] = call.log.filter((e) => e.kind.startsWith('media'));
    const simMs = (finished.at - started.at) / SCALE;
    expect(simMs).toBeGreaterThan(2000);
    expect(simMs).toBeLessThan(2700 + lostSimMs());
  });

  test('DTMF during a playback does not stop it', async () => {
    await play('sound:vm-login', 'p');
    await sock.waitType('PlaybackStarted');
    await call.press('12');
    const finished = await call.waitFor((e) => e.kind === 'media-finished');
    expect(finished).toMatchObject({ outcome: 'done' });
    const log = call.log.map((e) => e.kind);
    expect(log.indexOf('dtmf')).toBeLessThan(log.indexOf('media-finished'));
  });

  test('DELETE a playing playback → 204, then PlaybackFinished "done" (log: stopped); again → 404', async () => {
    await play('sound:vm-login', 'p');
    await sock.waitType('PlaybackStarted');
    expect((await rest(double, 'DELETE', '/playbacks/p')).status).toBe(204);
    await sock.waitType('PlaybackFinished');
    expect(typesFor('p')).toEqual(['PlaybackStarted:playing', 'PlaybackFinished:done']);
    expect(call.log.find((e) => e.kind === 'media-finished')).toMatchObject({ outcome: 'stopped' });
    expect(await rest(double, 'DELETE', '/playbacks/p')).toMatchObject({ status: 404, body: { message: 'Playback not found' } });
  });

  test('DELETE a queued playback → no PlaybackStarted, only PlaybackFinished "done" when its turn comes', async () => {
    await play('sound:vm-login', 'first');
    await play('sound:digits/1', 'second');
    expect((await rest(double, 'DELETE', '/playbacks/second')).status).toBe(204);
    await sleep(10);
    expect(typesFor('second')).toEqual([]);
    await sock.waitFor((e) => e.type === 'PlaybackFinished' && pbOf(e).id === 'second');
    expect(typesFor('second')).toEqual(['PlaybackFinished:done']);
    expect(call.log.filter((e) => e.kind === 'media-finished').map((e) => e.kind === 'media-finished' && e.outcome)).toEqual(['done', 'canceled']);
  });

  test('caller hangs up during a playback: HangupRequest, PlaybackFinished failed, StasisEnd, no ChannelDestroyed', async () => {
    await play('sound:vm-login', 'p');
    await sock.waitType('PlaybackStarted');
    await call.hangup();
    await sock.waitType('StasisEnd');
    await sleep(30);
    const tail = sock.types().filter((t) => t !== 'ChannelVarset');
    expect(tail.slice(-3)).toEqual(['ChannelHangupRequest', 'PlaybackFinished', 'StasisEnd']);
    expect(pbOf(sock.events.find((e) => e.type === 'PlaybackFinished') as AriEventJson).state).toBe('failed');
    expect(sock.types()).not.toContain('ChannelDestroyed');
    expect(await call.ended).toEqual({ by: 'caller' });
  });

  test('unknown scheme and missing recording: PlaybackStarted, never PlaybackFinished; the queue moves on', async () => {
    await play('bogus:thing', 'bad1');
    await play('recording:nope', 'bad2');
    await play('sound:digits/1', 'next');
    await sock.waitFor((e) => e.type === 'PlaybackFinished' && pbOf(e).id === 'next');
    await sleep(30);
    expect(typesFor('bad1')).toEqual(['PlaybackStarted:playing']);
    expect(typesFor('bad2')).toEqual(['PlaybackStarted:playing']);
  });

  test('missing sound: PlaybackStarted then at once PlaybackFinished failed', async () => {
    await play('sound:no-such-sound', 'm');
    await sock.waitType('PlaybackFinished');
    expect(typesFor('m')).toEqual(['PlaybackStarted:playing', 'PlaybackFinished:failed']);
  });

  test('language fallback: a sound missing in fr plays the en file; the playback still says fr', async () => {
    await play('sound:only-english', 'fb', '&lang=fr');
    await sock.waitType('PlaybackFinished');
    expect(pbOf(sock.events.find((e) => e.type === 'PlaybackFinished') as AriEventJson)).toMatchObject({ language: 'fr', state: 'done' });
    expect(call.log.find((e) => e.kind === 'media-started')).toMatchObject({ lang: 'fr', playedLang: 'en' });
    const [s, f] = call.log.filter((e) => e.kind.startsWith('media'));
    expect((f.at - s.at) / SCALE).toBeGreaterThan(2800); // the en WAV lasts 3 s
  });

  test('WAV durations: the fr file (2 s) plays for fr_CA, the en one (1 s) for en', async () => {
    await play('sound:both', 'fr', '&lang=fr_CA');
    await play('sound:both', 'en');
    await sock.waitFor((e) => e.type === 'PlaybackFinished', 2);
    const m = call.log.filter((e) => e.kind.startsWith('media'));
    expect(m[0]).toMatchObject({ playedLang: 'fr' });
    expect((m[1].at - m[0].at) / SCALE).toBeGreaterThan(1800);
    expect((m[1].at - m[0].at) / SCALE).toBeLessThan(2600 + lostSimMs());
    expect((m[3].at - m[2].at) / SCALE).toBeLessThan(1500 + lostSimMs());
  });

  test('recording:<name> plays for the stored duration', async () => {
    double.addStoredRecording('voice-portal/vm/alice/m1', 4);
    await play('recording:voice-portal/vm/alice/m1', 'r');
    await sock.waitType('PlaybackFinished');
    const [s, f] = call.log.filter((e) => e.kind.startsWith('media'));
    expect((f.at - s.at) / SCALE).toBeGreaterThan(3800);
  });

  test('PlaybackStarted is sent before the 201 on an idle channel (body says playing); queued behind → queued', async () => {
    const first = await play('sound:vm-login', 'x');
    expect((first.body as { state: string }).state).toBe('playing');
    const second = await play('sound:vm-login', 'y');
    expect((second.body as { state: string }).state).toBe('queued');
  });

  test('GET /playbacks/{id}: live state; after the end → 404', async () => {
    await play('sound:digits/1', 'g');
    expect((await rest(double, 'GET', '/playbacks/g')).body).toMatchObject({ id: 'g', state: 'playing' });
    await sock.waitType('PlaybackFinished');
    expect((await rest(double, 'GET', '/playbacks/g')).status).toBe(404);
  });
});

describe('recording', () => {
  /** Whole seconds of Asterisk time between the call log's recording-started and -finished. */
  const wholeSecondsRecorded = (): number => {
    const start = call.log.find((e) => e.kind === 'recording-started');
    const end = call.log.find((e) => e.kind === 'recording-finished');
    return Math.floor(((end?.at ?? 0) - (start?.at ?? 0)) / SCALE / 1000);
  };
  const finished = async (): Promise<Record<string, unknown>> => recOf((await sock.waitType('RecordingFinished'))[0]);
  /**
   * A duration of whole seconds for `sec` of Asterisk time: its floor, or one more when a
   * loaded machine adds a little, or more by what the process lost to stalls.
   */
  const expectWholeSecondsOf = (sec: number, duration: unknown): void => {
    expect(duration).toBeGreaterThanOrEqual(Math.floor(sec));
    expect(duration).toBeLessThanOrEqual(Math.ceil(sec) + Math.ceil(lostSimMs() / 1000));
  };

  test('terminateOn #: ChannelDtmfReceived # then RecordingFinished, duration in whole seconds', async () => {
    await record('name=r1&format=wav&maxDurationSeconds=20&terminateOn=%23');
    await sleep(2400 * SCALE);
    await call.press('#');
    const rec = await finished();
    expect(rec).toMatchObject({ name: 'r1', state: 'done' });
    expect(rec.duration).toBe(wholeSecondsRecorded());
    expectWholeSecondsOf(2.5, rec.duration);
    expect(sock.types().slice(-2)).toEqual(['ChannelDtmfReceived', 'RecordingFinished']);
    expect(call.log.find((e) => e.kind === 'recording-finished')).toMatchObject({ endedBy: 'terminator', durationSec: rec.duration });
  });

  test('another digit does not stop it; maxDurationSeconds does', async () => {
    await record('name=r2&format=wav&maxDurationSeconds=2&terminateOn=%23');
    await call.press('5');
    expect(sock.types()).not.toContain('RecordingFinished');
    const rec = await finished();
    expect(rec).toMatchObject({ duration: 2 });
    expect(rec).not.toHaveProperty('talking_duration');
    expect(call.log.find((e) => e.kind === 'recording-finished')).toMatchObject({ endedBy: 'max-duration' });
  });

  test('without maxSilenceSeconds, the caller falling silent does not end it (0 = no silence detection)', async () => {
    await record('name=r2s&format=wav&maxDurationSeconds=3&terminateOn=%23');
    await sock.waitType('RecordingStarted');
    call.speak(0.5);
    const rec = await finished();
    expect(rec).toMatchObject({ duration: 3 });
    expect(call.log.find((e) => e.kind === 'recording-finished')).toMatchObject({ endedBy: 'max-duration' });
  });

  test('maxSilenceSeconds: ends after that much silence; talking_duration / silence_duration reported', async () => {
    await record('name=r3&format=wav&maxDurationSeconds=30&maxSilenceSeconds=2');
    await sock.waitType('RecordingStarted');
    call.speak(3);
    const started = Date.now();
    const rec = await finished();
    const simSec = (Date.now() - started) / SCALE / 1000;
    expect(simSec).toBeGreaterThan(4.5); // 3 s talking + 2 s silence
    expect(simSec).toBeLessThan(7 + lostSimMs() / 1000);
    // Asterisk's arithmetic (main/app.c): 5 whole seconds written, less (2 s − 0.2 s) of
    // trailing silence truncated to 1 s: duration 4; talking the same less all the silence
    // (the same 2 s here): 4; silence_duration = duration − talking.
    expect(rec).toMatchObject({ duration: 4, talking_duration: 4, silence_duration: 0 });
    expect(call.log.find((e) => e.kind === 'recording-finished')).toMatchObject({ endedBy: 'silence' });
  });

  test('no speech at all, ended by the silence: Asterisk still reports 1 s (of the silence) as talking', async () => {
    await record('name=r3s&format=wav&maxDurationSeconds=30&maxSilenceSeconds=3');
    const rec = await finished();
    // 3 s written, less (3 s − 0.2 s) truncated to 2 s.
    expect(rec).toMatchObject({ duration: 1, talking_duration: 1, silence_duration: 0 });
    expect(call.log.find((e) => e.kind === 'recording-finished')).toMatchObject({ endedBy: 'silence' });
  });

  test('no speech, ended by #: talking is what whole seconds leave, 0 or 1; speech then # counts the speech', async () => {
    await record('name=r3p&format=wav&maxDurationSeconds=30&maxSilenceSeconds=5&terminateOn=%23');
    await sock.waitType('RecordingStarted');
    await sleep(1500 * SCALE);
    await call.press('#');
    const silent = await finished();
    expect([0, 1]).toContain(silent.talking_duration);
    expect(silent.silence_duration).toBe((silent.duration as number) - (silent.talking_duration as number));
    const from = sock.events.length;
    await record('name=r3q&format=wav&maxDurationSeconds=30&maxSilenceSeconds=5&terminateOn=%23');
    await sock.waitType('RecordingStarted', 1, undefined, from);
    call.speak(2);
    await sleep(2300 * SCALE);
    await call.press('#');
    const spoken = recOf((await sock.waitType('RecordingFinished', 1, undefined, from))[0]);
    expect(spoken.talking_duration as number).toBeGreaterThanOrEqual(2);
  });

  test('beep=true: 201 says queued, RecordingStarted follows the beep', async () => {
    const reply = await record('name=r4&format=wav&beep=true&maxDurationSeconds=30');
    expect(reply).toMatchObject({ status: 201, body: { name: 'r4', format: 'wav', state: 'queued' } });
    await sock.waitType('RecordingStarted');
    const noBeep = await record('name=r5&format=wav&maxDurationSeconds=1');
    expect(noBeep.body).toMatchObject({ state: 'queued' }); // r4 is still recording
  });

  test('a record waits for the playback before it (one control queue per channel)', async () => {
    await play('sound:vm-login', 'prompt');
    const reply = await record('name=r6&format=wav&maxDurationSeconds=1');
    expect((reply.body as { state: string }).state).toBe('queued');
    await sock.waitType('RecordingStarted');
    expect(sock.types().filter((t) => t.startsWith('Playback') || t.startsWith('Recording'))).toEqual(['PlaybackStarted', 'PlaybackFinished', 'RecordingStarted']);
  });

  test('caller hangs up while recording: HangupRequest, RecordingFinished done, StasisEnd; file kept', async () => {
    await record('name=r7&format=wav&maxDurationSeconds=30&terminateOn=%23');
    call.speak(5);
    await sleep(2500 * SCALE);
    await call.hangup();
    await sock.waitType('StasisEnd');
    expect(sock.types().filter((t) => t !== 'ChannelVarset').slice(-3)).toEqual(['ChannelHangupRequest', 'RecordingFinished', 'StasisEnd']);
    const rec = recOf(sock.events.find((e) => e.type === 'RecordingFinished') as AriEventJson);
    expect(rec).toMatchObject({ state: 'done', duration: wholeSecondsRecorded() });
    expectWholeSecondsOf(2.5, rec.duration);
    expect((await rest(double, 'GET', '/recordings/stored/r7')).status).toBe(200);
    expect(call.log.find((e) => e.kind === 'recording-finished')).toMatchObject({ endedBy: 'hangup' });
  });

  test('stored file is an 8 kHz 16-bit mono WAV of the recorded length; names with slashes arrive as %2F', async () => {
    double.addStoredRecording('voice-portal/vm/alice/m1', 2.5);
    const file = await rest(double, 'GET', '/recordings/stored/voice-portal%2Fvm%2Falice%2Fm1/file');
    expect(file.status).toBe(200);
    expect(file.raw.toString('ascii', 0, 4)).toBe('RIFF');
    expect([file.raw.readUInt16LE(22), file.raw.readUInt32LE(24), file.raw.readUInt16LE(34)]).toEqual([1, 8000, 16]);
    expect(file.raw.readUInt32LE(40)).toBe(2.5 * 8000 * 2);
    expect((await rest(double, 'DELETE', '/recordings/stored/voice-portal%2Fvm%2Falice%2Fm1')).status).toBe(204);
    expect(double.storedRecordings().size).toBe(0);
  });

  test('live recordings: GET while recording, POST stop ends it and keeps it', async () => {
    await record('name=live1&format=wav&maxDurationSeconds=30');
    expect((await rest(double, 'GET', '/recordings/live/live1')).body).toMatchObject({ state: 'recording' });
    expect((await rest(double, 'POST', '/recordings/live/live1/stop')).status).toBe(204);
    await finished();
    expect((await rest(double, 'GET', '/recordings/live/live1')).status).toBe(404);
    expect(double.storedRecordings().has('live1')).toBe(true);
  });
});

describe('leaving Stasis', () => {
  test('continue: 204, then StasisEnd only once the playback in front of it is over', async () => {
    await play('sound:digits/1', 'p');
    expect((await rest(double, 'POST', `/channels/${call.channelId}/continue`)).status).toBe(204);
    await sock.waitType('StasisEnd');
    expect(sock.types().slice(1)).toEqual(['PlaybackStarted', 'PlaybackFinished', 'StasisEnd']);
    expect(await call.ended).toEqual({ by: 'continue' });
    expect((await rest(double, 'GET', `/channels/${call.channelId}`)).status).toBe(404);
  });

  test('a waitFor the call can no longer satisfy rejects when it ends, its keys shown as • except * and #', async () => {
    await call.press('5*#');
    // Its own bound (60 s) is past the test's: only the end of the call can settle it in time.
    const waiting = call.waitFor((e) => e.kind === 'media-started', 60_000);
    await call.hangup();
    const err = (await waiting.catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('the call ended without it');
    expect(err.message).toContain('"digit":"•"');
    expect(err.message).toContain('"digit":"*"');
    expect(err.message).not.toContain('"digit":"5"');
    await expect(call.waitFor((e) => e.kind === 'answered', 60_000)).rejects.toThrow('the call ended without it');
  });

  test('keys pressed after the call ended are ignored', async () => {
    await call.hangup();
    await call.press('123');
    expect(call.log.filter((e) => e.kind === 'dtmf')).toEqual([]);
  });
});

describe('time scaling', () => {
  test('durations are multiplied by timeScale (vm-login 2.55 s → 255 ms at 0.1)', async () => {
    await play('sound:vm-login', 't');
    await sock.waitType('PlaybackFinished');
    const [s, f] = call.log.filter((e) => e.kind.startsWith('media'));
    expect(f.at - s.at).toBeGreaterThanOrEqual(2550 * SCALE - 5);
    expect(f.at - s.at).toBeLessThan(2550 * SCALE + 150 + stalls.lostMs());
  });

  test('press gaps are scaled too', async () => {
    const t0 = Date.now();
    await call.press('123', { gapMs: 1000, durationMs: 100 });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2100 * SCALE - 5);
    expect(elapsed).toBeLessThan(2100 * SCALE + 100 + stalls.lostMs());
  });
});
