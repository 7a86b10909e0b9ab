/**
 * sipp-*.jsonl, hangup-during-playback.jsonl and ws-duplicate-app.jsonl replayed against the
 * double: ordered event signatures (durations included where the capture had real audio) and
 * REST statuses/bodies. SIPp's RFC 4733 keys become SimCall.press(…, {durationMs: 280}).
 */
import type { AsteriskDouble } from './index';
import type { SimCall } from './control';
import { concerns, loadFixture, normaliseBody, phaseSignatures, signature } from './fixture-loader';
import { EventSocket, rest, startDouble, type AriEventJson } from './test-support';

let double: AsteriskDouble;
let sock: EventSocket;

beforeEach(async () => {
  double = await startDouble({ timeScale: 0.05 });
  sock = await EventSocket.open(double);
});
afterEach(async () => {
  sock.close();
  await double.close();
});

const sipName = (file: string): string => {
  const first = loadFixture(file).find((l) => l.event?.type === 'StasisStart');
  return (first?.event?.channel as { name: string }).name;
};

function observed(call: SimCall, opts = { durations: true, dtmfDuration: true }, s = sock): string[] {
  return s.events.filter((e) => concerns(e, call.channelName, call.channelId)).map((e) => signature(e, opts));
}

async function sipCall(file: string): Promise<SimCall> {
  const call = await double.placeCall({ callerNumber: '1001', callerName: '1001', extension: '8000', channelName: sipName(file) });
  await sock.waitType('StasisStart');
  expect((await rest(double, 'POST', `/channels/${call.channelId}/answer`)).status).toBe(204);
  return call;
}

const expected = (file: string, opts = { durations: true, dtmfDuration: true }): string[] =>
  phaseSignatures(loadFixture(file), undefined, sipName(file), opts);

test('sipp-dtmf: prompt, then keys 1234# (280 ms each), then BYE', async () => {
  const call = await sipCall('sipp-dtmf-events.jsonl');
  const play = await rest(double, 'POST', `/channels/${call.channelId}/play?media=sound%3Avm-login&playbackId=ffaaac59-ee49-4ecd-bd69-da197c52fa71`);
  const capturedPlay = loadFixture('sipp-dtmf-rest.jsonl').find((l) => l.path?.includes('/play?'));
  expect(play.status).toBe(capturedPlay?.status);
  expect({ ...(normaliseBody(play.body, [call.channelId]) as object), state: 'queued' }).toEqual(normaliseBody(capturedPlay?.resBody, ['1795739527.6']));
  await sock.waitType('PlaybackFinished');
  await call.press('1234#', { durationMs: 280, gapMs: 500 });
  await call.hangup();
  await sock.waitType('StasisEnd');
  expect(observed(call)).toEqual(expected('sipp-dtmf-events.jsonl'));
  expect(await call.ended).toEqual({ by: 'caller' });
});

test('sipp-dtmfplay: keys during the prompt do not stop it', async () => {
  const call = await sipCall('sipp-dtmfplay-events.jsonl');
  await rest(double, 'POST', `/channels/${call.channelId}/play?media=sound%3Avm-login&playbackId=sip-pb-1795739741698`);
  await call.press('12', { durationMs: 280, gapMs: 400 });
  await sock.waitType('PlaybackFinished');
  await call.hangup();
  await sock.waitType('StasisEnd');
  expect(observed(call)).toEqual(expected('sipp-dtmfplay-events.jsonl'));
});

test('sipp-record3: maxDurationSeconds=3 ends the recording with duration 3', async () => {
  const call = await sipCall('sipp-record3-events.jsonl');
  call.speak(10);
  const rec = await rest(double, 'POST', `/channels/${call.channelId}/record?name=sip-record3-1795739751105&format=wav&maxDurationSeconds=3`);
  expect(rec.status).toBe(201);
  await sock.waitType('RecordingFinished');
  await call.hangup();
  await sock.waitType('StasisEnd');
  expect(observed(call)).toEqual(expected('sipp-record3-events.jsonl'));
});

test('sipp-recordpound: # ends the recording at once, after its ChannelDtmfReceived', async () => {
  const call = await sipCall('sipp-recordpound-events.jsonl');
  call.speak(10);
  await rest(double, 'POST', `/channels/${call.channelId}/record?name=sip-recordpound-1795739762555&format=wav&maxDurationSeconds=10&terminateOn=%23`);
  // The capture's # came ~1.65 s after RecordingStarted (duration 1); 1.5 s leaves margin.
  await new Promise((r) => setTimeout(r, (1500 - 280) * double.timeScale));
  await call.press('#', { durationMs: 280 });
  await sock.waitType('RecordingFinished');
  await call.hangup();
  await sock.waitType('StasisEnd');
  expect(observed(call)).toEqual(expected('sipp-recordpound-events.jsonl'));
});

describe('hangup-during-playback', () => {
  const lines = loadFixture('hangup-during-playback.jsonl');
  const portalOf = (phase: string): string =>
    (lines.find((l) => l.phase === phase && l.event?.type === 'StasisStart')?.event?.channel as { name: string }).name;
  const expectedFor = (phase: string): string[] =>
    phaseSignatures(lines, phase, portalOf(phase), { ignore: ['ChannelCallerId', 'ChannelConnectedLine', 'Dial', 'ChannelDialplan', 'ChannelVarset'] });

  async function playingCall(phase: string): Promise<SimCall> {
    const call = await double.placeCall({ callerNumber: '', extension: '8000', channelName: portalOf(phase) });
    await sock.waitType('StasisStart');
    await rest(double, 'POST', `/channels/${call.channelId}/answer`);
    await rest(double, 'POST', `/channels/${call.channelId}/play?media=sound%3Avm-login&playbackId=hup-${phase}`);
    await sock.waitType('PlaybackStarted');
    return call;
  }

  test.each(['app-deletes-stasis-channel', 'app-deletes-with-reason-busy'])('%s', async (phase) => {
    const call = await playingCall(phase);
    const reason = phase.endsWith('busy') ? '?reason=busy' : '';
    expect((await rest(double, 'DELETE', `/channels/${call.channelId}${reason}`)).status).toBe(204);
    await sock.waitType('StasisEnd');
    expect(observed(call)).toEqual(expectedFor(phase));
  });

  test('caller-side-hangs-up (the capture\'s far end hung up; here the caller sends BYE)', async () => {
    const call = await playingCall('caller-side-hangs-up');
    await call.hangup();
    await sock.waitType('StasisEnd');
    // The Local capture's HangupRequest carries cause 16 from the other half; a SIP BYE has none.
    const want = expectedFor('caller-side-hangs-up').map((s) => s.replace('cause=16 soft=undefined', 'cause=undefined soft=undefined'));
    expect(observed(call)).toEqual(want);
  });
});

test('ws-duplicate-app: the newest socket takes the app over; no socket and no channel → Stasis fails', async () => {
  const lines = loadFixture('ws-duplicate-app.jsonl');
  const onWs = (ws: string): string[] => lines.filter((l) => l.ws === ws && l.event).map((l) => signature(l.event as AriEventJson));
  const restLines = lines.filter((l) => l.rest);
  const ws2 = await EventSocket.open(double);
  await sock.waitType('ApplicationReplaced');
  const app = await rest(double, 'GET', '/applications/voice-portal');
  expect([app.status, JSON.stringify(app.body)]).toEqual([restLines[0].status, restLines[0].body]);
  const call = await double.placeCall({ callerNumber: '', extension: '8000', channelName: 'Local/8000@voice-portal-00000003;2' });
  await ws2.waitType('StasisStart');
  expect((await rest(double, 'DELETE', `/channels/${call.channelId}`)).status).toBe(204);
  await ws2.waitType('StasisEnd');
  expect(sock.events.map((e) => signature(e))).toEqual(onWs('ws1'));
  expect(ws2.events.map((e) => signature(e))).toEqual(onWs('ws2'));
  expect(sock.closed).toBe(false); // replaced, silent, still open
  sock.close();
  ws2.close();
  await ws2.waitFor(() => ws2.closed, 0).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 30));
  const apps = await rest(double, 'GET', '/applications');
  expect(JSON.stringify(apps.body)).toBe(restLines.find((l) => l.rest === 'GET /applications')?.body);
  const failed = await double.placeCall({ callerNumber: '', extension: '8000' });
  expect(failed.stasisFailed).toBe(true);
  expect(await failed.ended).toEqual({ by: 'stasis-failed' });
  expect((await rest(double, 'GET', '/channels')).body).toEqual([]);
});
