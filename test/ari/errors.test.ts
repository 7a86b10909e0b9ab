/** ari-client's raw rejections (body strings, bare strings, socket errors) → typed errors. */
import { AriError, AriUnavailable, isChannelGone, toAriError } from '../../src/ari/errors';

test.each([
  ['{"message":"Channel not found"}', 404, 'Channel not found'],
  ['{"message":"Playback not found"}', 404, 'Playback not found'],
  ['{"message":"Recording \'probe\' already exists and can not be overwritten"}', 409, "Recording 'probe' already exists and can not be overwritten"],
  ['{"message":"specified format is unknown on this system"}', 422, 'specified format is unknown on this system'],
  ['{"message":"Failed to queue media for playback"}', 500, 'Failed to queue media for playback'],
  ['{"error":"Allocation failed"}', 500, 'Allocation failed'],
  ['{"message":"Invalid method"}', 405, 'Invalid method'],
  ['{"message":"Mailbox is does not exist"}', 404, 'Mailbox is does not exist'],
])('%s → %d', (body, status, message) => {
  const err = toAriError('op', new Error(body));
  expect(err).toBeInstanceOf(AriError);
  expect(err.status).toBe(status);
  expect(err.ariMessage).toBe(message);
});

test('a bare string rejection (swagger-client) becomes an AriError', () => {
  const err = toAriError('play', 'channelId is a required path param.');
  expect(err).toBeInstanceOf(AriError);
  expect(err.status).toBe(400);
});

test('socket errors become AriUnavailable', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  expect(toAriError('answer', refused)).toBeInstanceOf(AriUnavailable);
});

test('only "Channel not found" means the call is gone', () => {
  expect(isChannelGone(toAriError('play', new Error('{"message":"Channel not found"}')))).toBe(true);
  expect(isChannelGone(toAriError('stop', new Error('{"message":"Playback not found"}')))).toBe(false);
});
