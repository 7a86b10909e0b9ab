/**
 * Several servers' recordings as one (src/ari/recording-files.ts recordingFilesOnServers), what
 * the mail worker and the self-service API use with ARI_SERVERS: against two ARI doubles and a
 * closed loopback port.
 */
import { recordingFilesOnServers, recordingFilesOverHttp, type RecordingFiles } from '../../src/ari';
import { AriError, AriUnavailable } from '../../src/ari/errors';
import { AsteriskDouble } from '../double';
import { freePort } from '../support/redis';

const USER = 'voice-portal';
const PASS = 'ari-secret-0123456789';
let a: AsteriskDouble;
let b: AsteriskDouble;
let down: string;
beforeAll(async () => {
  a = await AsteriskDouble.start({ username: USER, password: PASS });
  b = await AsteriskDouble.start({ username: USER, password: PASS });
  down = `http://127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const over = (...urls: string[]): RecordingFiles => recordingFilesOnServers(urls.map((url) => recordingFilesOverHttp({ url, username: USER, password: PASS })));
const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (err: unknown) => err);

test('a server that is down is passed over: the audio comes from the next', async () => {
  b.addStoredRecording('voice-portal/vm/u1/m1', 2);
  const wav = await over(down, b.url).fetch('voice-portal/vm/u1/m1');
  expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(await over(down, b.url).exists('voice-portal/vm/u1/m1')).toBe(true);
});

test('a recording on one server only is found there; on none, 404 (even with another server down)', async () => {
  b.addStoredRecording('voice-portal/vm/u2/m1', 1);
  expect((await over(a.url, b.url).open('voice-portal/vm/u2/m1')).contentType).toBe('audio/wav');
  const missing = await failure(over(down, a.url, b.url).fetch('voice-portal/vm/u2/nope'));
  expect(missing).toBeInstanceOf(AriError);
  expect(missing).not.toBeInstanceOf(AriUnavailable);
  expect((missing as AriError).status).toBe(404);
});

test('every server down: AriUnavailable, for reads and deletes alike', async () => {
  const files = over(down, down);
  expect(await failure(files.fetch('voice-portal/vm/u3/m1'))).toBeInstanceOf(AriUnavailable);
  expect(await failure(files.remove('voice-portal/vm/u3/m1'))).toBeInstanceOf(AriUnavailable);
  expect(await failure(files.list('voice-portal/vm/'))).toBeInstanceOf(AriUnavailable);
});

test('remove deletes every copy it can reach, and is done when one server answered', async () => {
  a.addStoredRecording('voice-portal/vm/u4/m1', 1);
  b.addStoredRecording('voice-portal/vm/u4/m1', 1);
  await over(a.url, down, b.url).remove('voice-portal/vm/u4/m1');
  expect(a.storedRecordings().has('voice-portal/vm/u4/m1')).toBe(false);
  expect(b.storedRecordings().has('voice-portal/vm/u4/m1')).toBe(false);
});

test('list is every name any reachable server has, once', async () => {
  a.addStoredRecording('voice-portal/vm/u5/m1', 1);
  b.addStoredRecording('voice-portal/vm/u5/m1', 1);
  b.addStoredRecording('voice-portal/vm/u5/m2', 1);
  expect(await over(a.url, down, b.url).list('voice-portal/vm/u5/')).toEqual(['voice-portal/vm/u5/m1', 'voice-portal/vm/u5/m2']);
});
