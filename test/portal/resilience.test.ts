/**
 * Redis unreachable mid-call → "temporarily unavailable", clean end, recovery. The ARI events
 * socket lost while a PIN is typed → the entry is asked for again, no failure counted.
 */
import { ended, heard, hears, logInFromOwnPhone, PARIS, startHarness, waitUntil, type Harness } from '../support/portal-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ restartableRedis: true });
});
afterAll(async () => {
  await h?.close();
});

async function seed(): Promise<void> {
  await h.admin.addLocation(PARIS, 'test');
  await h.admin.createUser({ id: 'alice', locationId: 'paris', extension: '1001' }, 'test');
  await h.admin.selfServiceSetPin('alice', '502938', 'test');
  await h.admin.markNameRecorded('alice', 'test');
}

test('Redis stopped mid-call: the caller hears "temporarily unavailable", the call ends; service resumes when Redis is back', async () => {
  await seed();
  const call = await h.call({ callerNumber: '1001' });
  await hears(call, 'welcome');
  await h.redis.stop();
  const t0 = Date.now();
  await call.press('502938#');
  expect(await ended(call)).toBe('app-hangup');
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(heard(call)).toEqual(['welcome', 'temporarily-unavailable']);

  // A call while Redis is still down: the same, at once.
  const during = await h.call({ callerNumber: '1001' });
  await ended(during);
  expect(heard(during)).toEqual(['temporarily-unavailable']);

  await h.redis.start();
  // The restarted Redis is empty (no persistence in tests): seed it again.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await seed();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const after = await h.call({ callerNumber: '1001' });
  await logInFromOwnPhone(after, '502938');
  await after.hangup();
});

test('the ARI events socket lost while a PIN is typed: not evaluated (keys may be missing), no failure counted, the PIN asked again', async () => {
  const call = await h.call({ callerNumber: '1001' });
  await hears(call, 'welcome');
  await call.press('50');
  h.double.dropWebSockets();
  // Typed while no socket is open: Asterisk sends these events to nobody.
  await call.press('29', { gapMs: 5, durationMs: 5 });
  await waitUntil(() => h.app.engine.state === 'connected' && h.double.socketCount('voice-portal') === 1, 10_000, 'the app reconnects');
  // What reaches the app is "50" + "38": evaluated, a wrong PIN the caller never typed.
  await call.press('38#');
  await hears(call, 'enter-passcode');
  expect(heard(call)).toEqual(['welcome', 'enter-passcode']);
  expect((await h.admin.getUser('alice'))?.failures).toBe(0);
  await call.press('502938#');
  await hears(call, 'main-menu');
  await call.hangup();
});
