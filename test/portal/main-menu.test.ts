/** The user main menu (keys 0, 1, 3, 7, 8, 9, #), its sub-menus, wrong keys and silence. */
import { ended, heard, hears, logInFromOwnPhone, PARIS, recordVoice, startHarness, type Harness } from '../support/portal-harness';

type SimCall = Awaited<ReturnType<Harness['call']>>;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation(PARIS, 'test');
});
afterAll(async () => {
  await h?.close();
});

const drafts = (): string[] => [...h.double.storedRecordings().keys()].filter((n) => n.startsWith('voice-portal/drafts/'));
/** The draft of a call that ended goes once the flow has wound up. */
async function noDraftsLeft(): Promise<void> {
  for (const deadline = Date.now() + 5000; drafts().length > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  expect(drafts()).toEqual([]);
}

let nextExt = 4000;
async function atMainMenu(): Promise<{ id: string; ext: string; call: SimCall }> {
  const ext = String(nextExt++);
  const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
  await h.admin.selfServiceSetPin(user.id, '502938', 'test');
  await h.admin.markNameRecorded(user.id, 'test');
  const call = await h.call({ callerNumber: ext });
  await logInFromOwnPhone(call, '502938');
  return { id: user.id, ext, call };
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
  await hears(call, 'enter-new-passcode-or-star');
  await call.press('502938#'); // the current PIN: used recently
  await hears(call, 'confirm-passcode');
  await call.press('502938#');
  await hears(call, 'enter-new-passcode-or-star', 2);
  await call.press('640813#');
  await hears(call, 'confirm-passcode', 2);
  await call.press('640813#');
  await hears(call, 'main-menu', 2);
  await call.press('9');
  await ended(call);
  expect(heard(call)).toEqual([
    'welcome',
    'main-menu',
    'enter-new-passcode-or-star',
    'confirm-passcode',
    'passcode-used-recently',
    'enter-new-passcode-or-star',
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
  expect(h.double.storedRecordings().get(`voice-portal/names/${id}`)?.durationSec).toBeGreaterThanOrEqual(2);
  expect(drafts()).toEqual([]);
});

describe('7: the name in use stays until the new take is kept', () => {
  test('listening plays the take, not the name in use; hanging up at the review keeps the old name, and no draft', async () => {
    const { id, call } = await atMainMenu();
    const name = `voice-portal/names/${id}`;
    h.double.addStoredRecording(name, 1.5);
    await call.press('7');
    await recordVoice(call, 3);
    await hears(call, 'recording-options');
    await call.press('2');
    await hears(call, 'recording-options', 2);
    expect(h.double.storedRecordings().get(name)?.durationSec).toBe(1.5); // callers still hear the old one
    await call.hangup();
    await noDraftsLeft();
    expect(heard(call)).toEqual(['welcome', 'main-menu', 'record-name', 'recording-options', expect.stringMatching(/^recording:voice-portal\/drafts\//), 'recording-options']);
    expect(h.double.storedRecordings().get(name)?.durationSec).toBe(1.5);
  });

  test('a take with nothing in it does not cost the old name, even when the caller then hangs up', async () => {
    const { id, call } = await atMainMenu();
    const name = `voice-portal/names/${id}`;
    h.double.addStoredRecording(name, 1.5);
    await call.press('7');
    await call.waitFor((e) => e.kind === 'recording-started');
    await call.press('#');
    await hears(call, 'nothing-heard');
    await call.hangup();
    await noDraftsLeft();
    expect(h.double.storedRecordings().get(name)?.durationSec).toBe(1.5);
  });
});

test('3 greetings: record, listen to and restore the busy and no-answer greetings', async () => {
  const { id, ext, call } = await atMainMenu();
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
    // Not recorded: what a caller hears instead (no name file here: the extension's digits).
    'no-greeting-callers-hear',
    'default-greeting-extension',
    `digits:${ext}`,
    'is-busy',
    'greetings-menu',
    'main-menu',
  ]);
  expect(h.double.storedRecordings().has(unavailable)).toBe(true);
});

test('listening to an unset greeting plays what callers hear: the recorded name and "is not available"', async () => {
  const { id, call } = await atMainMenu();
  h.double.addStoredRecording(`voice-portal/names/${id}`, 1);
  await call.press('3');
  await hears(call, 'greetings-menu');
  await call.press('5');
  await hears(call, 'greetings-menu', 2);
  await call.hangup();
  expect(heard(call)).toEqual([
    'welcome',
    'main-menu',
    'greetings-menu',
    'no-greeting-callers-hear',
    `recording:voice-portal/names/${id}`,
    'is-unavailable',
    'greetings-menu',
  ]);
});

describe('8: changing the passcode', () => {
  test('* at the new passcode or at its confirmation goes back to the main menu; the PIN is unchanged', async () => {
    const { ext, call } = await atMainMenu();
    await call.press('8');
    await hears(call, 'enter-new-passcode-or-star');
    await call.press('*');
    await hears(call, 'main-menu', 2);
    await call.press('8');
    await hears(call, 'enter-new-passcode-or-star', 2);
    await call.press('640813#');
    await hears(call, 'confirm-passcode');
    await call.press('*');
    await hears(call, 'main-menu', 3);
    await call.press('9');
    await ended(call);
    expect(heard(call)).toEqual([
      'welcome',
      'main-menu',
      'enter-new-passcode-or-star',
      'main-menu',
      'enter-new-passcode-or-star',
      'confirm-passcode',
      'main-menu',
      'goodbye',
    ]);
    const next = await h.call({ callerNumber: ext });
    await logInFromOwnPhone(next, '502938');
    await next.hangup();
  });

  test('silence: the prompt again up to 3 times, then goodbye, as in every menu', async () => {
    const { call } = await atMainMenu();
    await call.press('8');
    expect(await ended(call)).toBe('app-hangup');
    expect(heard(call)).toEqual([
      'welcome',
      'main-menu',
      'enter-new-passcode-or-star',
      'enter-new-passcode-or-star',
      'enter-new-passcode-or-star',
      'enter-new-passcode-or-star',
      'goodbye',
    ]);
  });

  test('silence at "enter it again" asks again (no mismatch); the same PIN then changes it', async () => {
    const { ext, call } = await atMainMenu();
    await call.press('8');
    await hears(call, 'enter-new-passcode-or-star');
    await call.press('640813#');
    await hears(call, 'confirm-passcode');
    await hears(call, 'confirm-passcode', 2);
    await call.press('640813#');
    await hears(call, 'main-menu', 2);
    await call.hangup();
    expect(heard(call)).toEqual(['welcome', 'main-menu', 'enter-new-passcode-or-star', 'confirm-passcode', 'confirm-passcode', 'passcode-changed', 'main-menu']);
    const next = await h.call({ callerNumber: ext });
    await logInFromOwnPhone(next, '640813');
    await next.hangup();
  });

  test('"too short" says the minimum length the policy sets', async () => {
    const { call } = await atMainMenu();
    await h.admin.updatePolicy({ minLength: 8 }, 'test');
    try {
      await call.press('8');
      await hears(call, 'enter-new-passcode-or-star');
      await call.press('640813#');
      await hears(call, 'confirm-passcode');
      await call.press('640813#');
      await hears(call, 'enter-new-passcode-or-star', 2);
      await call.hangup();
      expect(heard(call).slice(2)).toEqual(['enter-new-passcode-or-star', 'confirm-passcode', 'passcode-too-short', 'number:8', 'digits-unit', 'enter-new-passcode-or-star']);
    } finally {
      await h.admin.updatePolicy({ minLength: 6 }, 'test');
    }
  });
});

test('0: mailbox options as in app_voicemail (1 no-answer greeting, 2 busy, 3 name, 5 passcode; 4 is no key here), * back', async () => {
  const { id, ext, call } = await atMainMenu();
  await call.press('0');
  await hears(call, 'mailbox-options');
  for (const [i, key] of ['1', '2', '3'].entries()) {
    await call.press(key);
    await recordVoice(call, 1, i + 1);
    await hears(call, 'recording-options', i + 1);
    await call.press('1');
    await hears(call, 'mailbox-options', i + 2);
  }
  await call.press('4');
  await hears(call, 'mailbox-options', 5);
  await call.press('5');
  await hears(call, 'enter-new-passcode-or-star');
  await call.press('*');
  await hears(call, 'mailbox-options', 6);
  await call.press('*');
  await hears(call, 'main-menu', 2);
  await call.press('9');
  await ended(call);
  expect(heard(call)).toEqual([
    'welcome',
    'main-menu',
    'mailbox-options',
    'record-unavailable-greeting',
    'recording-options',
    'greeting-saved',
    'mailbox-options',
    'record-busy-greeting',
    'recording-options',
    'greeting-saved',
    'mailbox-options',
    'record-name',
    'recording-options',
    'name-saved',
    'mailbox-options',
    'invalid-option',
    'mailbox-options',
    'enter-new-passcode-or-star',
    'mailbox-options',
    'main-menu',
    'goodbye',
  ]);
  const stored = h.double.storedRecordings();
  for (const name of [`voice-portal/greetings/${id}/unavailable`, `voice-portal/greetings/${id}/busy`, `voice-portal/names/${id}`]) expect(stored.has(name)).toBe(true);
  const next = await h.call({ callerNumber: ext });
  await logInFromOwnPhone(next, '502938');
  await next.hangup();
});

describe('a recording with no speech is refused', () => {
  async function silentTake(call: SimCall, occurrence: number, end: 'silence' | '#'): Promise<void> {
    let started = 0;
    await call.waitFor((e) => e.kind === 'recording-started' && ++started === occurrence);
    if (end === '#') await call.press('#');
    await hears(call, 'nothing-heard', occurrence);
  }

  test('7: "nothing was heard", the prompt and tone again, whether the silence or # ended it; then a real name is kept', async () => {
    const { id, call } = await atMainMenu();
    await call.press('7');
    await silentTake(call, 1, 'silence');
    await silentTake(call, 2, '#');
    expect(h.double.storedRecordings().has(`voice-portal/names/${id}`)).toBe(false);
    await recordVoice(call, 2, 3);
    await hears(call, 'recording-options');
    await call.press('1');
    await hears(call, 'main-menu', 2);
    await call.hangup();
    expect(heard(call)).toEqual(['welcome', 'main-menu', 'record-name', 'nothing-heard', 'record-name', 'nothing-heard', 'record-name', 'recording-options', 'name-saved', 'main-menu']);
    expect(h.double.storedRecordings().has(`voice-portal/names/${id}`)).toBe(true);
  });

  test('a silent greeting is refused the same way', async () => {
    const { id, call } = await atMainMenu();
    await call.press('3');
    await hears(call, 'greetings-menu');
    await call.press('1');
    await silentTake(call, 1, 'silence');
    await hears(call, 'record-busy-greeting', 2);
    await call.hangup();
    expect(heard(call).slice(2)).toEqual(['greetings-menu', 'record-busy-greeting', 'nothing-heard', 'record-busy-greeting']);
    expect(h.double.storedRecordings().has(`voice-portal/greetings/${id}/busy`)).toBe(false);
  });
});
