/**
 * What a correct PIN leads to, as the mailbox's state left it: a forced PIN change and a
 * name (first login, after a reset), a name only (PIN set through self-service), or the main
 * menu.
 */
import { DEFAULT_PIN, ended, heard, hears, logInFromOwnPhone, PARIS, recordVoice, startHarness, TIME_SCALE, type Harness } from '../support/portal-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation(PARIS, 'test');
  await h.admin.setDefaultPin(DEFAULT_PIN, 'test');
});
afterAll(async () => {
  await h?.close();
});

let nextExt = 2000;
async function newUser(opts: { language?: string } = {}): Promise<{ id: string; ext: string }> {
  const ext = String(nextExt++);
  const user = await h.admin.createUser({ locationId: 'paris', extension: ext, ...opts }, 'test');
  return { id: user.id, ext };
}

const FIRST_LOGIN = [
  'welcome',
  'must-change-passcode',
  'confirm-passcode',
  'passcode-changed',
  'record-name',
  'recording-options',
  'name-saved',
  'main-menu',
  'goodbye',
];

test('scenario 1: a new user on the default PIN changes it, records a name, then the next call goes straight to the menu', async () => {
  const u = await newUser();
  const call = await h.call({ callerNumber: u.ext });
  await hears(call, 'welcome');
  await call.press(`${DEFAULT_PIN}#`);
  await hears(call, 'must-change-passcode');
  await call.press('860412#');
  await hears(call, 'confirm-passcode');
  await call.press('860412#');
  await recordVoice(call, 2);
  await hears(call, 'recording-options');
  await call.press('1');
  await hears(call, 'main-menu');
  await call.press('9');
  expect(await ended(call)).toBe('app-hangup');
  expect(heard(call)).toEqual(FIRST_LOGIN);
  expect(h.double.storedRecordings().get(`voice-portal/names/${u.id}`)?.durationSec).toBeGreaterThanOrEqual(2);
  const user = await h.admin.getUser(u.id);
  expect(user).toMatchObject({ hasPin: true, mustChange: false, mustRecordName: false, failures: 0 });

  const again = await h.call({ callerNumber: u.ext });
  await logInFromOwnPhone(again, '860412');
  await again.press('9');
  await ended(again);
  expect(heard(again)).toEqual(['welcome', 'main-menu', 'goodbye']);
});

test('scenario 1 variant: the default PIN no longer opens the mailbox once changed', async () => {
  const u = await newUser();
  await h.admin.changePin(u.id, '502938', 'test');
  const call = await h.call({ callerNumber: u.ext });
  await hears(call, 'welcome');
  await call.press(`${DEFAULT_PIN}#`);
  await hears(call, 'enter-passcode');
  await call.press('*');
  expect(heard(call)).toEqual(['welcome', 'invalid-passcode', 'enter-passcode']);
  await call.hangup();
});

test('scenario 2: a PIN set through self-service → name only → main menu', async () => {
  const u = await newUser();
  await h.admin.selfServiceSetPin(u.id, '502938', 'portal');
  const call = await h.call({ callerNumber: u.ext });
  await hears(call, 'welcome');
  await call.press('502938#');
  await recordVoice(call, 1.5);
  await hears(call, 'recording-options');
  await call.press('1');
  await hears(call, 'main-menu');
  await call.press('9');
  await ended(call);
  expect(heard(call)).toEqual(['welcome', 'must-record-name', 'record-name', 'recording-options', 'name-saved', 'main-menu', 'goodbye']);
  expect(await h.admin.getUser(u.id)).toMatchObject({ mustChange: false, mustRecordName: false });
});

test('scenario 3: an existing user goes straight to the main menu', async () => {
  const u = await newUser();
  await h.admin.selfServiceSetPin(u.id, '502938', 'portal');
  await h.admin.markNameRecorded(u.id, 'portal');
  const call = await h.call({ callerNumber: u.ext });
  await logInFromOwnPhone(call, '502938');
  await call.press('9');
  await ended(call);
  expect(heard(call)).toEqual(['welcome', 'main-menu', 'goodbye']);
});

test('a new PIN refused by the policy gets its spoken reason and another try', async () => {
  const u = await newUser();
  const call = await h.call({ callerNumber: u.ext });
  await hears(call, 'welcome');
  await call.press(`${DEFAULT_PIN}#`);
  await hears(call, 'must-change-passcode');
  await call.press('123456#'); // an ascending run
  await hears(call, 'confirm-passcode');
  await call.press('123456#');
  await hears(call, 'enter-new-passcode');
  await call.press(`${u.ext}77#`); // contains the extension
  await hears(call, 'confirm-passcode', 2);
  await call.press(`${u.ext}77#`);
  await hears(call, 'enter-new-passcode', 2);
  await call.press(`${DEFAULT_PIN}#`); // the default PIN itself
  await hears(call, 'confirm-passcode', 3);
  await call.press(`${DEFAULT_PIN}#`);
  await hears(call, 'enter-new-passcode', 3);
  await call.press('8604#'); // too short
  await hears(call, 'confirm-passcode', 4);
  await call.press('8604#');
  await hears(call, 'enter-new-passcode', 4);
  await call.press('860412#');
  await hears(call, 'confirm-passcode', 5);
  await call.press('860419#'); // typo in the confirmation
  await hears(call, 'enter-new-passcode', 5);
  await call.press('860412#');
  await hears(call, 'confirm-passcode', 6);
  await call.press('860412#');
  await hears(call, 'record-name');
  await call.hangup();
  expect(heard(call)).toEqual([
    'welcome',
    'must-change-passcode',
    'confirm-passcode',
    'passcode-too-simple',
    'enter-new-passcode',
    'confirm-passcode',
    'passcode-contains-number',
    'enter-new-passcode',
    'confirm-passcode',
    'passcode-is-default',
    'enter-new-passcode',
    'confirm-passcode',
    // The minimum the policy sets (6 by default).
    'passcode-too-short',
    'number:6',
    'digits-unit',
    'enter-new-passcode',
    'confirm-passcode',
    'passcodes-differ',
    'enter-new-passcode',
    'confirm-passcode',
    'passcode-changed',
    'record-name',
  ]);
  expect(await h.admin.getUser(u.id)).toMatchObject({ mustChange: false, mustRecordName: true });
});

test('recording options: 2 plays the name back, 3 records again, 1 keeps', async () => {
  const u = await newUser();
  await h.admin.selfServiceSetPin(u.id, '502938', 'portal');
  const call = await h.call({ callerNumber: u.ext });
  await hears(call, 'welcome');
  await call.press('502938#');
  await recordVoice(call, 1);
  await hears(call, 'recording-options');
  await call.press('2');
  await hears(call, 'recording-options', 2);
  await call.press('3');
  await recordVoice(call, 3, 2);
  await hears(call, 'recording-options', 3);
  await call.press('1');
  await hears(call, 'main-menu');
  await call.hangup();
  expect(heard(call)).toEqual([
    'welcome',
    'must-record-name',
    'record-name',
    'recording-options',
    expect.stringMatching(/^recording:voice-portal\/drafts\/[0-9a-f]{16}$/), // the take under review
    'recording-options',
    'record-name',
    'recording-options',
    'name-saved',
    'main-menu',
  ]);
  // The second take (3 s of voice) replaced the first (1 s).
  expect(h.double.storedRecordings().get(`voice-portal/names/${u.id}`)?.durationSec).toBeGreaterThanOrEqual(3);
});

test('a name with no speech is not kept: "nothing was heard", record again; until then the name stays required', async () => {
  const u = await newUser();
  await h.admin.selfServiceSetPin(u.id, '502938', 'portal');
  const call = await h.call({ callerNumber: u.ext });
  await hears(call, 'welcome');
  await call.press('502938#');
  // The caller says nothing: the silence ends the recording.
  await hears(call, 'nothing-heard');
  await hears(call, 'record-name', 2);
  await call.hangup();
  expect(heard(call)).toEqual(['welcome', 'must-record-name', 'record-name', 'nothing-heard', 'record-name']);
  expect(await h.admin.getUser(u.id)).toMatchObject({ mustRecordName: true });
  expect(h.double.storedRecordings().has(`voice-portal/names/${u.id}`)).toBe(false);
});

test('a user whose language is French hears the French prompts from the first word', async () => {
  const u = await newUser({ language: 'fr' });
  await h.admin.selfServiceSetPin(u.id, '502938', 'portal');
  await h.admin.markNameRecorded(u.id, 'portal');
  const call = await h.call({ callerNumber: u.ext });
  await logInFromOwnPhone(call, '502938');
  await call.press('9');
  await ended(call);
  const langs = call.log.flatMap((e) => (e.kind === 'media-started' ? [`${e.uri}@${e.lang}`] : []));
  expect(langs).toEqual(['sound:voice-portal/welcome@fr', 'sound:voice-portal/main-menu@fr', 'sound:voice-portal/goodbye@fr']);
  const played = call.log.flatMap((e) => (e.kind === 'media-started' ? [e.playedLang] : []));
  expect(played).toEqual(['fr', 'fr', 'fr']);
});

describe('a hang-up at any step of a first login leaves a consistent state (old PIN or new, name or none)', () => {
  type SimCall = Awaited<ReturnType<Harness['call']>>;
  /** A whole first login, one caller action at a time; each step hangs up after a prefix of it. */
  const FIRST_LOGIN_ACTIONS: ((c: SimCall) => Promise<void>)[] = [
    (c) => hears(c, 'welcome'),
    (c) => c.press(`${DEFAULT_PIN}#`),
    (c) => hears(c, 'must-change-passcode'),
    (c) => c.press('860412#'),
    (c) => hears(c, 'confirm-passcode'),
    (c) => c.press('860412#'),
    (c) => hears(c, 'record-name'),
    async (c) => {
      await c.waitFor((e) => e.kind === 'recording-started');
      c.speak(2);
      // The caller says the name before pressing # (a # at once would be a recording with no speech).
      await new Promise((r) => setTimeout(r, 2 * 1000 * TIME_SCALE + 40));
    },
    (c) => c.press('#'),
    (c) => hears(c, 'recording-options'),
    (c) => c.press('1'),
    (c) => hears(c, 'main-menu'),
  ];
  const BEFORE_CHANGE = { hasPin: true, mustChange: true, mustRecordName: true, failures: 0 };
  const AFTER_CHANGE = { hasPin: true, mustChange: false, mustRecordName: true, failures: 0 };
  const DONE = { hasPin: true, mustChange: false, mustRecordName: false, failures: 0 };
  const steps = [
    { name: 'during the welcome', actions: 1, expect: BEFORE_CHANGE, nextCall: 'must-change-passcode' },
    { name: 'at the new-PIN prompt', actions: 3, expect: BEFORE_CHANGE, nextCall: 'must-change-passcode' },
    { name: 'at the confirmation prompt', actions: 5, expect: BEFORE_CHANGE, nextCall: 'must-change-passcode' },
    { name: 'right after the change, at the name prompt', actions: 7, expect: AFTER_CHANGE, nextCall: 'must-record-name' },
    { name: 'while recording the name', actions: 8, expect: AFTER_CHANGE, nextCall: 'must-record-name' },
    { name: 'at the recording options, before keeping', actions: 10, expect: AFTER_CHANGE, nextCall: 'must-record-name' },
    { name: 'after keeping the name', actions: 12, expect: DONE, nextCall: 'main-menu' },
  ];

  test.each(steps)('$name', async (step) => {
    const u = await newUser();
    const call = await h.call({ callerNumber: u.ext });
    for (const act of FIRST_LOGIN_ACTIONS.slice(0, step.actions)) await act(call);
    await call.hangup();
    await ended(call);
    const user = await h.admin.getUser(u.id);
    expect(user).toMatchObject(step.expect);
    expect(user?.lockedSince).toBeUndefined();

    // The next call asks again for whatever is still required, with the PIN that is now valid.
    const pin = step.expect === BEFORE_CHANGE ? DEFAULT_PIN : '860412';
    const next = await h.call({ callerNumber: u.ext });
    await hears(next, 'welcome');
    await next.press(`${pin}#`);
    await hears(next, step.nextCall);
    await next.hangup();
    expect(heard(next)).toEqual(['welcome', step.nextCall]);
  });
});
