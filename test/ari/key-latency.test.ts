/** DTMF-to-next-request latency: measured from the latest key to the next REST request of the call. */
import { KeyToRequestTimer } from '../../src/ari/key-latency';
import type { CallRest } from '../../src/ari/verb';

function fakeRest(sent: string[]): CallRest {
  const note = (name: string) => async (): Promise<void> => {
    sent.push(name);
  };
  return {
    answer: note('answer'),
    play: note('play'),
    stopPlayback: note('stopPlayback'),
    record: note('record'),
    stopRecording: note('stopRecording'),
    hangup: note('hangup'),
    continueInDialplan: note('continueInDialplan'),
    playbackGone: async () => false,
    liveRecordingGone: async () => false,
  };
}

test('one observation per request that follows keys, from the latest key; requests pass through', async () => {
  const observed: number[] = [];
  const sent: string[] = [];
  const timer = new KeyToRequestTimer((s) => observed.push(s));
  const rest = timer.wrap(fakeRest(sent));
  await rest.answer('c1');
  expect(observed).toEqual([]);
  timer.markKey();
  const firstKeyAt = performance.now();
  await new Promise((r) => setTimeout(r, 40));
  timer.markKey();
  await rest.play('c1', ['sound:x'], 'en', 'p1');
  const sinceFirstKey = (performance.now() - firstKeyAt) / 1000;
  await rest.stopPlayback('p1');
  expect(sent).toEqual(['answer', 'play', 'stopPlayback']);
  expect(observed).toHaveLength(1);
  // From the second key, which came at least 40 ms after the first.
  expect(observed[0]).toBeGreaterThanOrEqual(0);
  expect(observed[0]).toBeLessThanOrEqual(sinceFirstKey - 0.039);
});

test('without an observer the REST operations are returned unchanged', () => {
  const rest = fakeRest([]);
  expect(new KeyToRequestTimer(undefined).wrap(rest)).toBe(rest);
});
