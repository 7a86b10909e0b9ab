/**
 * Replays every phase of probe-*.jsonl against the double and compares the ordered event
 * signatures, statuses and bodies with the capture (ids, timestamps and documented races
 * aside). The probe drove Local channels it originated (`POST /channels … app=`); the double
 * does not implement originate, so each phase uses placeCall() with the same channel name and
 * compares only the Stasis (`;2`) channel's events, leaving out the ones a real Asterisk sends
 * because the app originated the channel (ChannelCallerId, Dial, ChannelDialplan, Varset…).
 * DTMF "via the driver half" becomes SimCall.press(); audio fed from the driver half is left
 * out (its playbacks target `;1`).
 */
import type { AsteriskDouble } from './index';
import type { SimCall } from './control';
import { channelIdIn, concerns, loadFixture, normaliseBody, phaseSignatures, raceState, signature } from './fixture-loader';
import { EventSocket, rest, sleep, startDouble, type AriEventJson } from './test-support';

const events = loadFixture('probe-events.jsonl');
const restLog = loadFixture('probe-rest.jsonl');
const ORIGINATE_ONLY = ['ChannelCallerId', 'ChannelConnectedLine', 'Dial', 'ChannelDialplan', 'ChannelVarset'];
const PORTAL = 'Local/8000@voice-portal-00000000;2';
const FIXTURE_IDS = [channelIdIn(events, PORTAL), channelIdIn(events, 'Local/8000@voice-portal-00000000;1'), '1795739468.3', '1795739468.2'];

let double: AsteriskDouble;
let sock: EventSocket;
let call: SimCall;

/** The captured REST exchange with sequence number `seq`, normalised. */
function captured(seq: number): { status: number; body: unknown } {
  const line = restLog.find((l) => l.seq === seq);
  if (!line) throw new Error(`no REST seq ${seq} in the capture`);
  return { status: line.status as number, body: raceState(normaliseBody(line.resBody, FIXTURE_IDS)) };
}

/** The double's reply to the same request, normalised the same way. */
async function observed(method: string, path: string): Promise<{ status: number; body: unknown }> {
  const reply = await rest(double, method, path.replace('{id}', call.channelId));
  return { status: reply.status, body: raceState(normaliseBody(reply.body ?? null, [call.channelId])) };
}

function mine(from: number, c: SimCall = call, s: EventSocket = sock): string[] {
  return s.events
    .slice(from)
    .filter((e) => concerns(e, c.channelName, c.channelId) && !ORIGINATE_ONLY.includes(e.type))
    .map((e) => signature(e));
}

const expected = (phase: string, name = PORTAL): string[] => phaseSignatures(events, phase, name, { ignore: ORIGINATE_ONLY });
const isPb = (type: string, id: string) => (e: AriEventJson) => e.type === type && (e.playback as { id: string }).id === id;
const isRec = (type: string, name: string) => (e: AriEventJson) => e.type === type && (e.recording as { name: string }).name === name;

beforeAll(async () => {
  double = await startDouble({ timeScale: 0.05 });
  sock = await EventSocket.open(double);
});
afterAll(async () => {
  sock.close();
  await double.close();
});

test('A-originate: StasisStart in Ring, answer 204 → ChannelStateChange Up', async () => {
  call = await double.placeCall({ callerNumber: '1002', callerName: 'Probe A', extension: '8000', channelName: PORTAL });
  await sock.waitType('StasisStart');
  expect(await observed('POST', '/channels/{id}/answer')).toEqual(captured(16));
  await sock.waitType('ChannelStateChange');
  expect(mine(0)).toEqual(expected('A-originate'));
});

test('B-play-queue: three queued plays run in sequence', async () => {
  const from = sock.events.length;
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Avm-login&playbackId=pb-login')).toEqual(captured(18));
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Adigits%2F1&playbackId=pb-d1a')).toEqual(captured(19));
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Adigits%2F1&playbackId=pb-d1b')).toEqual(captured(20));
  expect(await observed('GET', '/playbacks/pb-d1a')).toEqual(captured(21));
  await sock.waitFor(isPb('PlaybackFinished', 'pb-d1b'));
  expect(mine(from)).toEqual(expected('B-play-queue'));
});

test('C-dtmf-during-playback: DTMF does not stop the prompt', async () => {
  const from = sock.events.length;
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Avm-login&playbackId=pb-login2')).toEqual(captured(22));
  await sock.waitFor(isPb('PlaybackStarted', 'pb-login2'));
  await call.press('1234#', { gapMs: 200, durationMs: 100 });
  await sock.waitFor(isPb('PlaybackFinished', 'pb-login2'));
  expect(mine(from)).toEqual(expected('C-dtmf-via-driver-during-playback'));
});

test('D-dtmf-on-portal-itself: dtmf sent on the Stasis channel goes out, no event on it', async () => {
  const from = sock.events.length;
  expect(await observed('POST', '/channels/{id}/dtmf?dtmf=56')).toEqual(captured(24));
  await call.press('9');
  await sock.waitType('ChannelDtmfReceived', 1, 3000, from);
  expect(mine(from)).toEqual(expected('D-dtmf-on-portal-itself'));
});

test('E-multi-media: a media list is one playback; lang=fr', async () => {
  const from = sock.events.length;
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Avm-login%2Csound%3Adigits%2F1%2Csound%3Adigits%2F2&playbackId=pb-multi')).toEqual(captured(26));
  await sock.waitFor(isPb('PlaybackFinished', 'pb-multi'));
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Avm-login&lang=fr&playbackId=pb-fr')).toEqual(captured(27));
  await sock.waitFor(isPb('PlaybackFinished', 'pb-fr'));
  expect(mine(from)).toEqual(expected('E-multi-media'));
});

test('F-stop-playback: DELETE playing → done; DELETE queued → Finished without Started', async () => {
  const from = sock.events.length;
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Avm-login&playbackId=pb-stop')).toEqual(captured(28));
  await sock.waitFor(isPb('PlaybackStarted', 'pb-stop'));
  expect(await observed('DELETE', '/playbacks/pb-stop')).toEqual(captured(29));
  await sock.waitFor(isPb('PlaybackFinished', 'pb-stop'));
  expect(await observed('DELETE', '/playbacks/pb-stop')).toEqual(captured(30));
  expect(await observed('DELETE', '/playbacks/nope')).toEqual(captured(31));
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Avm-login&playbackId=pb-q1')).toEqual(captured(32));
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Adigits%2F1&playbackId=pb-q2')).toEqual(captured(33));
  expect(await observed('DELETE', '/playbacks/pb-q2')).toEqual(captured(34));
  expect(await observed('DELETE', '/playbacks/pb-q1')).toEqual(captured(35));
  await sock.waitFor(isPb('PlaybackFinished', 'pb-q2'));
  expect(mine(from)).toEqual(expected('F-stop-playback'));
});

test('G-bad-media: missing sound fails; bad scheme / missing recording never finish; no media → 500', async () => {
  const from = sock.events.length;
  expect(await observed('POST', '/channels/{id}/play?media=sound:does-not-exist-xyz&playbackId=pb-bad1')).toEqual(captured(36));
  await sock.waitFor(isPb('PlaybackFinished', 'pb-bad1'));
  expect(await observed('POST', '/channels/{id}/play?media=bogus:thing&playbackId=pb-bad2')).toEqual(captured(37));
  expect(await observed('POST', '/channels/{id}/play?media=recording:nope&playbackId=pb-bad3')).toEqual(captured(38));
  expect(await observed('POST', '/channels/{id}/play')).toEqual(captured(39));
  expect(await observed('POST', '/channels/{id}/play?media=sound:digits/3&playbackId=pb-login')).toEqual(captured(40));
  await sock.waitFor(isPb('PlaybackFinished', 'pb-login'), 1, 3000, from);
  expect(await observed('POST', '/channels/nope-123/play?media=sound:digits/1')).toEqual(captured(41));
  expect(await observed('POST', '/channels/nope-123/play?media=sound%3Adigits%2F1')).toEqual(captured(42));
  expect(mine(from)).toEqual(expected('G-bad-media'));
});

test('I-record: record, 409, 422, beep + #, silence, stored recordings, play recording:', async () => {
  const from = sock.events.length;
  expect(await observed('POST', '/channels/{id}/record?name=probe&format=wav&maxDurationSeconds=3&terminateOn=%23')).toEqual(captured(43));
  expect(await observed('GET', '/recordings/live/probe')).toEqual(captured(45));
  await sock.waitFor(isRec('RecordingFinished', 'probe'));
  expect(await observed('POST', '/channels/{id}/record?name=probe&format=wav&maxDurationSeconds=3&terminateOn=%23')).toEqual(captured(46));
  expect(await observed('POST', '/channels/{id}/record?name=probe&format=nosuchfmt&ifExists=overwrite')).toEqual(captured(47));
  expect(await observed('POST', '/channels/{id}/record?name=probe2&format=wav&maxDurationSeconds=10&terminateOn=%23&beep=true')).toEqual(captured(48));
  await sock.waitFor(isRec('RecordingStarted', 'probe2'));
  await call.press('#');
  await sock.waitFor(isRec('RecordingFinished', 'probe2'));
  expect(await observed('POST', '/channels/{id}/record?name=probe3&format=wav&maxDurationSeconds=2&maxSilenceSeconds=1')).toEqual(captured(51));
  await sock.waitFor(isRec('RecordingFinished', 'probe3'));
  for (const [seq, method, path] of [
    [52, 'GET', '/recordings/stored'],
    [53, 'GET', '/recordings/stored/probe'],
    [55, 'GET', '/recordings/stored/nope'],
    [56, 'POST', '/recordings/stored/probe/copy?destinationRecordingName=voicemail%2F1001%2Fmsg0001'],
    [57, 'GET', '/recordings/stored'],
    [58, 'DELETE', '/recordings/stored/probe2'],
    [59, 'POST', '/channels/{id}/play?media=recording:probe&playbackId=pb-rec'],
  ] as const) {
    expect([seq, await observed(method, path)]).toEqual([seq, captured(seq)]);
  }
  const file = await rest(double, 'GET', '/recordings/stored/probe/file');
  expect([file.status, file.headers['content-type']]).toEqual([captured(54).status, 'audio/wav']);
  await sock.waitFor(isPb('PlaybackFinished', 'pb-rec'));
  expect(mine(from)).toEqual(expected('I-record'));
});

test('J-mailbox: PUT/GET, unknown mailbox 404, PUT without counts', async () => {
  for (const [seq, method, path] of [
    [60, 'PUT', '/mailboxes/1001%40default?oldMessages=0&newMessages=2'],
    [61, 'GET', '/mailboxes'],
    [62, 'GET', '/mailboxes/1001%40default'],
    [63, 'GET', '/mailboxes/9999%40default'],
    [64, 'PUT', '/mailboxes/1001%40default'],
  ] as const) {
    expect([seq, await observed(method, path)]).toEqual([seq, captured(seq)]);
  }
  expect(double.mailboxes().get('1001@default')).toEqual({ oldMessages: 0, newMessages: 0 });
});

test('K-hangup: DELETE → HangupRequest(32, soft), StasisEnd; then 404 everywhere', async () => {
  const from = sock.events.length;
  expect(await observed('DELETE', '/channels/{id}')).toEqual(captured(66));
  await sock.waitType('StasisEnd');
  expect(mine(from)).toEqual(expected('K-hangup'));
  for (const [seq, method, path] of [
    [67, 'POST', '/channels/{id}/play?media=sound:digits/1'],
    [68, 'POST', '/channels/{id}/play?media=sound%3Adigits%2F1'],
    [69, 'POST', '/channels/{id}/answer'],
    [70, 'DELETE', '/channels/{id}'],
    [71, 'POST', '/channels/{id}/record?name=x&format=wav'],
    [72, 'POST', '/channels/{id}/dtmf?dtmf=1'],
  ] as const) {
    expect([seq, await observed(method, path)]).toEqual([seq, captured(seq)]);
  }
  expect(await call.ended).toEqual({ by: 'app-hangup' });
});

test('L-ws-disconnect/reconnect/abrupt: events while no socket are lost, calls stay up', async () => {
  const portal2 = 'Local/8000@voice-portal-00000001;2';
  call = await double.placeCall({ callerNumber: '1002', callerName: 'Probe L', extension: '8000', channelName: portal2 });
  await sock.waitFor((e) => e.type === 'StasisStart' && (e.channel as { id: string }).id === call.channelId);
  expect((await observed('POST', '/channels/{id}/answer')).status).toBe(204);
  expect(await observed('POST', '/channels/{id}/play?media=sound%3Avm-login%2Csound%3Avm-login%2Csound%3Avm-login&playbackId=pb-L')).toEqual(captured(75));
  await sock.waitFor(isPb('PlaybackStarted', 'pb-L'));
  const startedAt = Date.now();
  sock.close(); // clean close (client.stop())
  await sleep(20);
  const gone = await observed('GET', '/channels/{id}');
  expect(gone.status).toBe(200);
  const app = await observed('GET', '/applications/voice-portal');
  expect(app).toEqual({ status: 200, body: { ...(captured(77).body as object), channel_ids: ['<channel>'] } });
  expect((await observed('POST', '/channels/{id}/play?media=sound:digits/2&playbackId=pb-L2')).status).toBe(201);
  // Reconnect during the third item (5.1-7.65 s of Asterisk time, ×0.05), as the probe did at
  // 6.1 s: two PlaybackContinuing and two PlaybackStarted are lost.
  await sleep(startedAt + 310 - Date.now());
  const sock2 = await EventSocket.open(double);
  expect((await observed('POST', '/channels/{id}/play?media=sound:digits/3&playbackId=pb-L3')).status).toBe(201);
  await sock2.waitFor(isPb('PlaybackFinished', 'pb-L3'));
  await call.press('8');
  await sock2.waitType('ChannelDtmfReceived');
  // Abrupt close: a fresh socket replaces it, as ari-client's reconnect does.
  sock2.ws.terminate();
  const sock3 = await EventSocket.open(double);
  await call.press('4');
  await call.press('5');
  await sock3.waitType('ChannelDtmfReceived', 2);
  expect((await observed('DELETE', '/channels/{id}')).status).toBe(204);
  await sock3.waitType('StasisEnd');
  const seen = [...mine(0, call, sock2), ...mine(0, call, sock3)];
  const capturedAfterReconnect = [...expected('L-ws-reconnect', portal2), ...expected('L-ws-abrupt', portal2)];
  expect(seen).toEqual(capturedAfterReconnect);
  sock = sock3;
});

test('M-deposit-and-continue: args, continue → 204 then StasisEnd', async () => {
  const from = sock.events.length;
  const portal3 = 'Local/8001@voice-portal-00000002;2';
  call = await double.placeCall({ callerNumber: '5551234', callerName: 'Caller', extension: '8001', channelName: portal3, args: ['deposit', '1001'] });
  await sock.waitType('StasisStart', 1, 3000, from);
  expect((await observed('POST', '/channels/{id}/answer')).status).toBe(204);
  expect(await observed('POST', '/channels/{id}/continue')).toEqual(captured(104));
  await call.ended;
  await sock.waitFor((e) => e.type === 'StasisEnd' && (e.channel as { id: string }).id === call.channelId);
  expect(mine(from)).toEqual(expected('M-deposit-and-continue', portal3));
  expect(await observed('GET', '/channels')).toEqual(captured(105));
  expect(await call.ended).toEqual({ by: 'continue' });
});
