/** What the typed errors tell the flows (the HTTP side is test/ari/rest.test.ts). */
import { AriError, AriUnavailable, isChannelGone, messageFromBody } from '../../src/ari/errors';

test.each([
  ['{"message":"Channel not found"}', 'Channel not found'],
  ['{"error":"Allocation failed"}', 'Allocation failed'],
  ['<html>502 Bad Gateway</html>', '<html>502 Bad Gateway</html>'],
  ['{"message":42}', '{"message":42}'],
])('Asterisk message of %s', (body, message) => {
  expect(messageFromBody(body)).toBe(message);
});

test('only a 404 "Channel not found" means the call is gone', () => {
  expect(isChannelGone(new AriError('play', 'Channel not found', 404))).toBe(true);
  expect(isChannelGone(new AriError('stop', 'Playback not found', 404))).toBe(false);
  expect(isChannelGone(new AriError('play', 'Channel not found', 500))).toBe(false);
  expect(isChannelGone(new AriUnavailable('play', 'ECONNREFUSED'))).toBe(false);
});
