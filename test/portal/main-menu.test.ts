/** SPEC §5: the user main menu (keys 3, 7, 8, 9, #), wrong keys and silence. */
import { ended, heard, hears, logInFromOwnPhone, PARIS, recordVoice, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation(PARIS, 'test');
});
afterAll(async () => {
  await h?.close();
});

let nextExt = 4000;
async function atMainMenu(): Promise<{ id: string; call: Awaited<ReturnType<Harness['call']>> }> {
  const ext = String(nextExt++);
  const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
  await h.admin.selfServiceSetPin(user.id, '502938', 'test');
  await h.admin.markNameRecorded(user.id, 'test');
  const call = await h.call({ callerNumber: ext });
  await logInFromOwnPhone(call, '502938');
  return { id: user.id, call };
}

test('# repeats the menu, a wrong key says so, 9 says goodbye', async () => {
  const { call } = await atMainMenu();
  await call.press('#');
  await hears(call, 'main-menu', 2);
  await call.press('5');
  await hears(call, 'main-menu', 3);
  await call.press('9');
  await ended(call);
  expect(heard(call)).toEqual(['welcome', 'main-menu', 'main-menu', 'invalid-option', 'main-menu', 'goodbye']);
});

test('silence: the menu again up to 3 times, then goodbye', async () => {
  const { call } = await atMainMenu();
  expect(await ended(call)).toBe('app-hangup');
  expect(heard(call)).toEqual(['welcome', 'main-menu', 'main-menu', 'main-menu', 'main-menu', 'goodbye']);
});

test('8 changes the passcode under the same rules (policy, confirmation, history)', async () => {
  const { id, call } = await atMainMenu();
  await call.press('8');
  await hears(call, 'enter-new-passcode');
  await call.press('502938#'); // the current PIN: used recently
  await hears(call, 'confirm-passcode');
  await call.press('502938#');
  await hears(call, 'enter-new-passcode', 2);
  await call.press('640813#');
  await hears(call, 'confirm-passcode', 2);
  await call.press('640813#');
  await hears(call, 'main-menu', 2);
  await call.press('9');
  await ended(call);
  expect(heard(call)).toEqual([
    'welcome',
    'main-menu',
    'enter-new-passcode',
    'confirm-passcode',
    'passcode-used-recently',
    'enter-new-passcode',
    'confirm-passcode',
    'passcode-changed',
    'main-menu',
    'goodbye',
  ]);
  const next = await h.call({ callerNumber: (await h.admin.getUser(id))!.extension });
  await logInFromOwnPhone(next, '640813');
  await next.hangup();
});

test('7 records the personalised name again', async () => {
  const { id, call } = await atMainMenu();
  await call.press('7');
  await recordVoice(call, 2);
  await hears(call, 'recording-options');
  await call.press('1');
  await hears(call, 'main-menu', 2);
  await call.hangup();
  expect(heard(call)).toEqual(['welcome', 'main-menu', 'record-name', 'recording-options', 'name-saved', 'main-menu']);
  expect(h.double.storedRecordings().has(`voice-portal/names/${id}`)).toBe(true);
});

test('3 greetings: record, listen to and restore the busy and no-answer greetings', async () => {
  const { id, call } = await atMainMenu();
  const busy = `voice-portal/greetings/${id}/busy`;
  const unavailable = `voice-portal/greetings/${id}/unavailable`;
  await call.press('3');
  await hears(call, 'greetings-menu');
  await call.press('1');
  await recordVoice(call, 2);
  await hears(call, 'recording-options');
  await call.press('1');
  await hears(call, 'greetings-menu', 2);
  await call.press('4');
  await recordVoice(call, 1, 2);
  await hears(call, 'recording-options', 2);
  await call.press('1');
  await hears(call, 'greetings-menu', 3);
  expect([...h.double.storedRecordings().keys()]).toEqual(expect.arrayContaining([busy, unavailable]));
  await call.press('2');
  await hears(call, 'greetings-menu', 4);
  await call.press('3');
  await hears(call, 'greetings-menu', 5);
  expect(h.double.storedRecordings().has(busy)).toBe(false);
  await call.press('2');
  await hears(call, 'greetings-menu', 6);
  await call.press('*');
  await hears(call, 'main-menu', 2);
  await call.hangup();
  expect(heard(call)).toEqual([
    'welcome',
    'main-menu',
    'greetings-menu',
    'record-busy-greeting',
    'recording-options',
    'greeting-saved',
    'greetings-menu',
    'record-unavailable-greeting',
    'recording-options',
    'greeting-saved',
    'greetings-menu',
    `recording:${busy}`,
    'greetings-menu',
    'greeting-restored',
    'greetings-menu',
    'greeting-empty',
    'greetings-menu',
    'main-menu',
  ]);
  expect(h.double.storedRecordings().has(unavailable)).toBe(true);
});
