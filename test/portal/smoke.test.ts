import { ended, heard, logInFromOwnPhone, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', portalNumber: '+33100000000', language: 'en', timeZone: 'Europe/Paris' }, 'test');
  await h.admin.createUser({ id: 'alice', locationId: 'paris', extension: '1001' }, 'test');
  await h.admin.selfServiceSetPin('alice', '860412', 'test');
  await h.admin.markNameRecorded('alice', 'test');
});
afterAll(async () => {
  await h?.close();
});

test('existing user reaches the main menu and says goodbye', async () => {
  const call = await h.call({ callerNumber: '1001' });
  await logInFromOwnPhone(call, '860412');
  await call.press('9');
  expect(await ended(call)).toBe('app-hangup');
  expect(heard(call)).toEqual(['welcome', 'main-menu', 'goodbye']);
});
