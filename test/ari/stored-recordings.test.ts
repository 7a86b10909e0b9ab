/** The engine's stored recordings (src/ari/media-store.ts) against the ARI double. */
import { AriError } from '../../src/ari/errors';
import { startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const stored = (name: string): number | undefined => h.double.storedRecordings().get(name)?.durationSec;

test('move: the draft replaces the recording of that name, and is gone', async () => {
  h.double.addStoredRecording('voice-portal/drafts/aa', 3);
  h.double.addStoredRecording('voice-portal/names/u1', 1);
  await h.engine.storedRecordings.move('voice-portal/drafts/aa', 'voice-portal/names/u1');
  expect(stored('voice-portal/names/u1')).toBe(3);
  expect(stored('voice-portal/drafts/aa')).toBeUndefined();
});

test('move to a name not yet recorded (its folder made by Asterisk)', async () => {
  h.double.addStoredRecording('voice-portal/drafts/bb', 2);
  await h.engine.storedRecordings.move('voice-portal/drafts/bb', 'voice-portal/greetings/u2/busy');
  expect(stored('voice-portal/greetings/u2/busy')).toBe(2);
  expect(stored('voice-portal/drafts/bb')).toBeUndefined();
});

test('move of a draft Asterisk does not have: 404, and the recording in use is untouched', async () => {
  h.double.addStoredRecording('voice-portal/names/u3', 1);
  const err: unknown = await h.engine.storedRecordings.move('voice-portal/drafts/missing', 'voice-portal/names/u3').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AriError);
  expect((err as AriError).status).toBe(404);
  expect(stored('voice-portal/names/u3')).toBe(1);
});
