/**
 * The admin passcode, after `*` and the location's own portal number or extension typed as
 * the mailbox, opens the admin menu (auto-attendant greetings); its failures lock the
 * location's admin access. Also the spray throttle (failures per calling number per hour).
 */
import { ADMIN_PASSCODE, ended, heard, hears, PARIS, tryMailboxesFromOtherPhone, recordVoice, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation({ ...PARIS, adminPasscode: ADMIN_PASSCODE }, 'test');
  await h.admin.createUser({ id: 'alice', locationId: 'paris', extension: '1001' }, 'test');
  await h.admin.selfServiceSetPin('alice', '502938', 'test');
  await h.admin.markNameRecorded('alice', 'test');
});
afterAll(async () => {
  await h?.close();
});

/** From alice's phone: `*`, the portal's extension (or number) as the mailbox, then `passcode`. */
async function adminLogin(passcode: string, mailbox = '8000'): Promise<Awaited<ReturnType<Harness['call']>>> {
  const call = await h.call({ callerNumber: '1001' });
  await hears(call, 'welcome');
  await call.press('*');
  await hears(call, 'enter-mailbox');
  await call.press(`${mailbox}#`);
  await hears(call, 'enter-passcode');
  await call.press(`${passcode}#`);
  return call;
}

const BUSINESS_HOURS = 'voice-portal/aa/paris/business-hours';
const AFTER_HOURS = 'voice-portal/aa/paris/after-hours';

test('admin passcode via * and the portal extension → admin menu → business-hours greeting recorded, heard, restored', async () => {
  const call = await adminLogin(ADMIN_PASSCODE);
  await hears(call, 'admin-menu');
  await call.press('1');
  await recordVoice(call, 2);
  await hears(call, 'recording-options');
  await call.press('1');
  await hears(call, 'admin-menu', 2);
  expect(h.double.storedRecordings().has(BUSINESS_HOURS)).toBe(true);
  await call.press('2');
  await hears(call, 'admin-menu', 3);
  await call.press('3');
  await hears(call, 'admin-menu', 4);
  expect(h.double.storedRecordings().has(BUSINESS_HOURS)).toBe(false);
  await call.press('5');
  await hears(call, 'admin-menu', 5);
  await call.press('9');
  expect(await ended(call)).toBe('app-hangup');
  expect(heard(call)).toEqual([
    'welcome',
    'enter-mailbox',
    'enter-passcode',
    'admin-menu',
    'admin-greetings-business-hours',
    'record-after-tone',
    'recording-options',
    'greeting-saved',
    'admin-menu',
    `recording:${BUSINESS_HOURS}`,
    'admin-menu',
    'greeting-restored',
    'admin-menu',
    // Not recorded: what callers of the auto attendant hear instead.
    'no-greeting-callers-hear',
    'aa-default-greeting',
    'admin-menu',
    'goodbye',
  ]);
  const audit = await h.admin.readAudit({ locationId: 'paris' });
  expect(audit.map((e) => e.type)).toContain('admin-login-ok');
});

test('the after-hours greeting, through the portal number typed as the mailbox', async () => {
  const call = await adminLogin(ADMIN_PASSCODE, '33100000000');
  await hears(call, 'admin-menu');
  await call.press('4');
  await recordVoice(call, 1);
  await hears(call, 'recording-options');
  await call.press('1');
  await hears(call, 'admin-menu', 2);
  await call.hangup();
  expect(h.double.storedRecordings().has(AFTER_HOURS)).toBe(true);
  expect(heard(call).slice(3)).toEqual(['admin-menu', 'admin-greetings-after-hours', 'record-after-tone', 'recording-options', 'greeting-saved', 'admin-menu']);
});

test('4 wrong admin passcodes lock the location\'s admin access, even for the right one, until unlocked', async () => {
  const first = await adminLogin('111222');
  await hears(first, 'enter-mailbox', 2);
  await first.press('8000#');
  await hears(first, 'enter-passcode', 2);
  await first.press('333444#');
  await hears(first, 'enter-mailbox', 3);
  await first.press('8000#');
  await hears(first, 'enter-passcode', 3);
  await first.press('555666#');
  await ended(first);
  expect(heard(first).slice(-2)).toEqual(['invalid-passcode', 'goodbye']);

  const second = await adminLogin('777888');
  await ended(second);
  expect(heard(second)).toEqual(['welcome', 'enter-mailbox', 'enter-passcode', 'locked']);
  const right = await adminLogin(ADMIN_PASSCODE);
  await ended(right);
  expect(heard(right)).toEqual(['welcome', 'enter-mailbox', 'enter-passcode', 'locked']);
  expect((await h.admin.getLocation('paris'))?.adminLockedSince).toEqual(expect.any(Number));

  await h.admin.unlockLocationAdmin('paris', 'operator');
  const after = await adminLogin(ADMIN_PASSCODE);
  await hears(after, 'admin-menu');
  await after.hangup();
  // alice's own mailbox was never touched by the admin attempts
  expect(await h.admin.getUser('alice')).toMatchObject({ failures: 0 });
});

test('spray throttle: past the limit of failures from one calling number, "service unavailable" and no PIN evaluated', async () => {
  const policy = await h.admin.getPolicy();
  await h.admin.setPolicy({ ...policy, throttlePerHour: 2 }, 'test');
  try {
    for (const ext of ['1101', '1102', '1103']) {
      const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
      await h.admin.selfServiceSetPin(user.id, '502938', 'test');
    }
    const call = await h.call({ callerNumber: '+14155550199' });
    await tryMailboxesFromOtherPhone(call, ['1101', '1102', '1103'], '640813');
    await ended(call);
    expect(heard(call)).toEqual([
      'welcome-enter-mailbox',
      'enter-passcode',
      'invalid-passcode',
      'enter-mailbox',
      'enter-passcode',
      'invalid-passcode',
      'enter-mailbox',
      'enter-passcode',
      'service-unavailable',
    ]);
    const third = await h.admin.findUserByMailbox('1103');
    expect(third).toMatchObject({ failures: 0 });
    const audit = await h.admin.readAudit({});
    expect(audit.map((e) => e.type)).toContain('throttled');
  } finally {
    await h.admin.setPolicy(policy, 'test');
    for (const b of await h.admin.listThrottled()) await h.admin.clearThrottle(b.caller, 'test');
  }
});
