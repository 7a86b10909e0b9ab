/**
 * A real ari-client 2.2.0 against the double (connect, resources, events, error shape,
 * reconnect), the double's lifecycle controls, and the error statuses/bodies of README §7.
 */
import * as net from 'node:net';
import type { AsteriskDouble } from './index';
import { EVENT_TYPES } from './index';
import { type AriClientLike, connectAriClient, EventSocket, PASS, rest, sleep, startDouble, USER } from './test-support';

let double: AsteriskDouble;
beforeEach(async () => {
  double = await startDouble({ timeScale: 0.02 });
});
afterEach(async () => {
  await double.close();
});

type AnyFn = (...args: unknown[]) => Promise<unknown>;
const api = (client: AriClientLike, resource: string, op: string): AnyFn => (client[resource] as Record<string, AnyFn>)[op];

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('ari-client 2.2.0', () => {
  test('connects, attaches the 11 resources, receives events and drives a call', async () => {
    const client = await connectAriClient(double.url);
    for (const r of ['asterisk', 'endpoints', 'channels', 'bridges', 'recordings', 'sounds', 'playbacks', 'deviceStates', 'mailboxes', 'events', 'applications']) {
      expect(client[r]).toBeDefined();
    }
    const seen: string[] = [];
    client.on('*', (e) => seen.push(e.type));
    const started = new Promise<{ answer: AnyFn; play: AnyFn; id: string }>((resolve) =>
      client.on('StasisStart', (_e, channel) => resolve(channel as { answer: AnyFn; play: AnyFn; id: string })),
    );
    await client.start('voice-portal');
    expect(double.registeredApps()).toEqual(['voice-portal']);
    const call = await double.placeCall({ callerNumber: '1001', extension: '8000' });
    const channel = await started;
    expect(channel.id).toBe(call.channelId);
    await channel.answer();
    const playback = client.Playback();
    const finished = new Promise((resolve) => client.on('PlaybackFinished', resolve));
    const reply = (await channel.play({ media: ['sound:digits/1', 'sound:digits/2'] }, playback)) as { id: string; next_media_uri: string };
    expect(reply.id).toBe(playback.id);
    expect(reply.next_media_uri).toBe('sound:digits/2');
    await finished;
    // The error shape the app must handle: a plain Error whose message is the raw body.
    const err = (await api(client, 'channels', 'play')({ channelId: 'nope', media: 'sound:x' }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('{"message":"Channel not found"}');
    double.addStoredRecording('a/b', 1);
    const file = (await api(client, 'recordings', 'getStoredFile')({ recordingName: 'a/b' })) as Buffer;
    expect(file.length).toBe(44 + 16000);
    await call.hangup();
    await call.ended;
    await sleep(20);
    expect(seen).toEqual(['StasisStart', 'ChannelStateChange', 'PlaybackStarted', 'PlaybackContinuing', 'PlaybackStarted', 'PlaybackFinished', ...Array(5).fill('ChannelVarset'), 'ChannelHangupRequest', 'StasisEnd']);
    client.stop();
  });

  test('dropWebSockets: ari-client reconnects by itself and gets later events', async () => {
    const client = await connectAriClient(double.url);
    const stasis: string[] = [];
    client.on('StasisStart', (e) => stasis.push((e.channel as { id: string }).id));
    await client.start('voice-portal');
    const reconnected = new Promise((resolve) => client.on('WebSocketConnected', resolve));
    double.dropWebSockets();
    expect(double.socketCount('voice-portal')).toBe(0);
    await reconnected;
    const call = await double.placeCall({ callerNumber: '1001', extension: '8000' });
    expect(call.stasisFailed).toBe(false);
    await sleep(30);
    expect(stasis).toEqual([call.channelId]);
    client.stop();
  });

  test('every event type has a model in events.json (ari-client would wedge without one)', async () => {
    const doc = (await rest(double, 'GET', '/api-docs/events.json')).body as { models: Record<string, unknown> };
    expect(EVENT_TYPES.length).toBe(45);
    for (const type of EVENT_TYPES) expect(doc.models[type]).toBeDefined();
  });
});

describe('lifecycle controls', () => {
  test('stopAsterisk: calls dropped silently, sockets closed, port refuses; start brings it back with recordings and mailboxes', async () => {
    const sock = await EventSocket.open(double);
    const call = await double.placeCall({ callerNumber: '1001', extension: '8000' });
    double.addStoredRecording('kept', 2);
    await rest(double, 'PUT', '/mailboxes/1001%40voice-portal?newMessages=1');
    await sock.waitType('StasisStart');
    await double.stopAsterisk();
    expect(await call.ended).toEqual({ by: 'asterisk-stopped' });
    await sleep(10);
    expect(sock.closed).toBe(true);
    expect(sock.types()).toEqual(['StasisStart']);
    expect(await refused(double.port)).toBe(true);
    await double.startAsterisk();
    expect(await refused(double.port)).toBe(false);
    expect((await rest(double, 'GET', '/channels')).body).toEqual([]);
    expect((await rest(double, 'GET', '/recordings/stored')).body).toEqual([{ name: 'kept', format: 'wav' }]);
    expect(double.mailboxes().get('1001@voice-portal')).toEqual({ oldMessages: 0, newMessages: 1 });
    expect(double.mailboxUpdates.map((u) => u.name)).toEqual(['1001@voice-portal']);
  });

  test('restartAsterisk(downMs): down for downMs × timeScale', async () => {
    const restarting = double.restartAsterisk(5000); // 100 ms at 0.02
    await sleep(40);
    expect(await refused(double.port)).toBe(true);
    await restarting;
    expect(await refused(double.port)).toBe(false);
  });

  test('events produced while the app has no socket are dropped, not queued', async () => {
    const sock = await EventSocket.open(double);
    const call = await double.placeCall({ callerNumber: '1001', extension: '8000' });
    await sock.waitType('StasisStart');
    sock.close();
    await sleep(20);
    expect(double.registeredApps()).toEqual([]);
    await call.press('1');
    const again = await EventSocket.open(double);
    await call.press('2');
    await again.waitType('ChannelDtmfReceived');
    await sleep(20);
    expect(again.events.map((e) => e.digit)).toEqual(['2']);
    // The app still exists while it has a channel: GET /applications lists it.
    expect((await rest(double, 'GET', '/applications')).body).toMatchObject([{ name: 'voice-portal', channel_ids: [call.channelId] }]);
    again.close();
  });

  test('socketCount counts open sockets per app, a replaced one included', async () => {
    const a = await EventSocket.open(double, 'voice-portal,other');
    const b = await EventSocket.open(double);
    await a.waitType('ApplicationReplaced');
    expect([double.socketCount('voice-portal'), double.socketCount('other'), double.socketCount()]).toEqual([2, 1, 2]);
    expect(double.registeredApps()).toEqual(['other', 'voice-portal']);
    a.close();
    b.close();
  });
});

describe('HTTP errors (README §1, §3, §5, §7)', () => {
  test('401 without or with wrong credentials, on REST, api-docs and the events socket', async () => {
    const body = { message: 'Authentication required' };
    expect(await rest(double, 'GET', '/api-docs/resources.json', false)).toMatchObject({ status: 401, body });
    expect(await rest(double, 'GET', '/channels', `${USER}:wrong`)).toMatchObject({ status: 401, body });
    expect(await rest(double, 'GET', `/channels?api_key=${USER}:${PASS}`, false)).toMatchObject({ status: 200 });
    await expect(EventSocket.open(double, 'voice-portal', `${USER}:bad`)).rejects.toThrow('401');
  });

  test('api-docs: basePath is the Host the client used', async () => {
    const doc = await rest(double, 'GET', '/api-docs/channels.json');
    expect((doc.body as { basePath: string }).basePath).toBe(`http://127.0.0.1:${double.port}/ari`);
  });

  test('405 on a wrong method, 404 bodies, 500 with no media, 409 and 422 on record', async () => {
    const call = await double.placeCall({ callerNumber: '1001', extension: '8000' });
    expect(call.stasisFailed).toBe(true); // no socket, no channel: Stasis() fails
    const sock = await EventSocket.open(double);
    const live = await double.placeCall({ callerNumber: '1001', extension: '8000' });
    const id = live.channelId;
    expect(await rest(double, 'GET', `/channels/${id}/play`)).toMatchObject({ status: 405, body: { message: 'Invalid method' } });
    expect(await rest(double, 'POST', `/channels/${id}/play`)).toMatchObject({ status: 500, body: { message: 'Failed to queue media for playback' } });
    expect(await rest(double, 'GET', '/recordings/stored/nope')).toMatchObject({ status: 404, body: { message: 'Recording not found' } });
    expect(await rest(double, 'GET', '/mailboxes/9999%40default')).toMatchObject({ status: 404, body: { message: 'Mailbox is does not exist' } });
    expect(await rest(double, 'GET', '/playbacks/nope')).toMatchObject({ status: 404, body: { message: 'Playback not found' } });
    expect(await rest(double, 'POST', `/channels/${id}/record?name=x&format=mp9`)).toMatchObject({ status: 422, body: { message: 'specified format is unknown on this system' } });
    double.addStoredRecording('x', 1);
    expect(await rest(double, 'POST', `/channels/${id}/record?name=x&format=wav`)).toMatchObject({ status: 409, body: { message: "Recording 'x' already exists and can not be overwritten" } });
    expect((await rest(double, 'POST', `/channels/${id}/record?name=x&format=wav&ifExists=overwrite&maxDurationSeconds=1`)).status).toBe(201);
    expect(await rest(double, 'POST', '/channels/nope/answer')).toMatchObject({ status: 404, body: { message: 'Channel not found' } });
    expect(await rest(double, 'POST', '/recordings/stored/x/copy?destinationRecordingName=voicemail%2F1001%2Fmsg0001')).toMatchObject({ status: 200, body: { name: 'voicemail/1001/msg0001', format: 'wav' } });
    expect((await rest(double, 'POST', '/channels')).status).toBe(501); // originate: not simulated
    sock.close();
  });
});
