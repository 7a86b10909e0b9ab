/** Reaching the portal, own phone and `*`, lockout, attempts left, unknown mailboxes. */
import { ADMIN_PASSCODE, DEFAULT_PIN, ended, heard, hears, logInFromOwnPhone, tryMailboxesFromOtherPhone, PARIS, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation({ ...PARIS, adminPasscode: ADMIN_PASSCODE }, 'test');
  await h.admin.setDefaultPin(DEFAULT_PIN, 'test');
});
afterAll(async () => {
  await h?.close();
});

let nextExt = 3000;
/** A user with PIN 502938 and a recorded name: logins land in the main menu. */
async function readyUser(): Promise<{ id: string; ext: string }> {
  const ext = String(nextExt++);
  const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
  await h.admin.selfServiceSetPin(user.id, '502938', 'test');
  await h.admin.markNameRecorded(user.id, 'test');
  return { id: user.id, ext };
}

/** From `callerNumber`'s own phone: `*` at the welcome, then `mailbox` and `pin`, into the main menu. */
async function starLogin(callerNumber: string, mailbox: string, pin: string): Promise<Awaited<ReturnType<Harness['call']>>> {
  const call = await h.call({ callerNumber });
  await hears(call, 'welcome');
  await call.press('*');
  await hears(call, 'enter-mailbox');
  await call.press(`${mailbox}#`);
  await hears(call, 'enter-passcode');
  await call.press(`${pin}#`);
  await hears(call, 'main-menu');
  return call;
}

/** Own phone: welcome, then `pins` one after another, each followed by `#`. */
async function tryPins(callerNumber: string, pins: string[]): Promise<Awaited<ReturnType<Harness['call']>>> {
  const call = await h.call({ callerNumber });
  await hears(call, 'welcome');
  for (const [i, pin] of pins.entries()) {
    if (i > 0) await hears(call, 'enter-passcode', i);
    await call.press(`${pin}#`);
  }
  return call;
}

describe('reaching the portal', () => {
  test('the location comes from the Stasis args portal,<locationId>', async () => {
    const u = await readyUser();
    const call = await h.call({ callerNumber: u.ext, args: ['portal', 'paris', 'internal'], extension: 's' });
    await hears(call, 'welcome');
    await call.hangup();
  });

  test('failing that, from the dialled extension or number (a leading + ignored); such an unmarked call is untrusted', async () => {
    const u = await readyUser();
    for (const extension of ['8000', '+33100000000']) {
      const call = await h.call({ callerNumber: u.ext, args: [], extension });
      // Issue #11: no `internal` mark, so the caller ID proves nothing: mailbox first.
      await hears(call, 'welcome-enter-mailbox');
      await call.hangup();
    }
  });

  test('until the user is known, the location\'s language; then the user\'s', async () => {
    await h.admin.addLocation({ id: 'lyon', name: 'Lyon', portalExtension: '8100', language: 'fr', timeZone: 'Europe/Paris' }, 'test');
    const user = await h.admin.createUser({ locationId: 'lyon', extension: '3950', language: 'en' }, 'test');
    await h.admin.selfServiceSetPin(user.id, '502938', 'test');
    await h.admin.markNameRecorded(user.id, 'test');
    const call = await h.call({ callerNumber: '+14155550150', args: ['portal', 'lyon'], extension: '8100' });
    await hears(call, 'welcome-enter-mailbox');
    await call.press('3950#');
    await hears(call, 'enter-passcode');
    await call.press('502938#');
    await hears(call, 'main-menu');
    await call.hangup();
    const langs = call.log.flatMap((e) => (e.kind === 'media-started' ? [`${e.uri.replace('sound:voice-portal/', '')}@${e.lang}`] : []));
    expect(langs).toEqual(['welcome-enter-mailbox@fr', 'enter-passcode@fr', 'main-menu@en']);
  });

  test('an unknown portal hears "service unavailable" and the call ends', async () => {
    const call = await h.call({ callerNumber: '3999', args: ['portal', 'atlantis'] });
    expect(await ended(call)).toBe('app-hangup');
    expect(heard(call)).toEqual(['service-unavailable']);
    const byNumber = await h.call({ callerNumber: '3999', args: [], extension: '7777' });
    await ended(byNumber);
    expect(heard(byNumber)).toEqual(['service-unavailable']);
  });
});

describe('lockout: 4 wrong PINs in a row lock, a correct one sets the count back, only a PIN change or an administrator unlocks', () => {
  test('4 wrong PINs over two calls lock at once; a locked mailbox evaluates and counts nothing', async () => {
    const u = await readyUser();
    const first = await tryPins(u.ext, ['111222', '333444', '555666']);
    expect(await ended(first)).toBe('app-hangup');
    // On one's own phone the caller is told when few attempts remain before the lock.
    expect(heard(first)).toEqual([
      'welcome',
      'invalid-passcode',
      'enter-passcode',
      'invalid-passcode',
      'two-attempts-left',
      'enter-passcode',
      'invalid-passcode',
      'one-attempt-left',
      'goodbye',
    ]);
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 3 });

    const second = await tryPins(u.ext, ['777888']);
    await ended(second);
    expect(heard(second)).toEqual(['welcome', 'locked']);
    const locked = await h.admin.getUser(u.id);
    expect(locked?.lockedSince).toEqual(expect.any(Number));
    const failuresWhenLocked = locked?.failures;

    // The right PIN on a locked mailbox: the locked message, nothing evaluated or counted.
    const third = await tryPins(u.ext, ['502938']);
    await ended(third);
    expect(heard(third)).toEqual(['welcome', 'locked']);
    expect((await h.admin.getUser(u.id))?.failures).toBe(failuresWhenLocked);
    const audit = await h.admin.readAudit({ userId: u.id });
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['locked', 'login-refused-locked']));
  });

  test('attempts left are told on one\'s own phone from 2 left, over calls, and follow the policy', async () => {
    const u = await readyUser();
    const first = await tryPins(u.ext, ['111222']);
    await hears(first, 'enter-passcode');
    await first.hangup();
    expect(heard(first)).toEqual(['welcome', 'invalid-passcode', 'enter-passcode']);
    // The next call knows the failure of the last one: 2 left after this one.
    const second = await tryPins(u.ext, ['333444']);
    await hears(second, 'enter-passcode');
    await second.hangup();
    expect(heard(second)).toEqual(['welcome', 'invalid-passcode', 'two-attempts-left', 'enter-passcode']);
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 2 });

    await h.admin.updatePolicy({ maxFailures: 6 }, 'test');
    try {
      const third = await tryPins(u.ext, ['555666']);
      await hears(third, 'enter-passcode');
      await third.hangup();
      expect(heard(third)).toEqual(['welcome', 'invalid-passcode', 'enter-passcode']);
    } finally {
      await h.admin.updatePolicy({ maxFailures: 4 }, 'test');
    }
  });

  test('from another phone the attempts left are never told: a real mailbox near its lock sounds like a number nobody has', async () => {
    const u = await readyUser();
    const before = await tryPins(u.ext, ['111222', '333444']);
    await hears(before, 'enter-passcode', 2);
    await before.hangup();
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 2 });
    const probe = async (mailbox: string, callerNumber: string): Promise<string[]> => {
      const call = await h.call({ callerNumber });
      await tryMailboxesFromOtherPhone(call, [mailbox], '640813');
      await hears(call, 'enter-mailbox');
      await call.hangup();
      return heard(call);
    };
    const real = await probe(u.ext, '+14155550131');
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 3 });
    expect(real).toEqual(['welcome-enter-mailbox', 'enter-passcode', 'invalid-passcode', 'enter-mailbox']);
    expect(await probe('3997', '+14155550132')).toEqual(real);
  });

  test('a correct PIN sets the count back to 0', async () => {
    const u = await readyUser();
    const call = await tryPins(u.ext, ['111222', '502938']);
    await hears(call, 'main-menu');
    await call.hangup();
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 0 });
  });

  test('admin reset unlocks: the default PIN, then a forced change and a new name', async () => {
    const u = await readyUser();
    await ended(await tryPins(u.ext, ['111222', '333444', '555666']));
    await ended(await tryPins(u.ext, ['777888']));
    expect((await h.admin.getUser(u.id))?.lockedSince).toBeDefined();

    await h.admin.adminResetPin(u.id, 'operator');
    const call = await tryPins(u.ext, [DEFAULT_PIN]);
    await hears(call, 'must-change-passcode');
    await call.hangup();
    expect(heard(call)).toEqual(['welcome', 'must-change-passcode']);
    expect(await h.admin.getUser(u.id)).toMatchObject({ mustChange: true, mustRecordName: true, failures: 0 });
  });

  test('a PIN set through self-service unlocks and works at once, with no forced change', async () => {
    const u = await readyUser();
    await ended(await tryPins(u.ext, ['111222', '333444', '555666']));
    await ended(await tryPins(u.ext, ['777888']));
    await h.admin.selfServiceSetPin(u.id, '640813', 'portal');
    const call = await tryPins(u.ext, ['640813']);
    await hears(call, 'main-menu');
    await call.hangup();
    expect(heard(call)).toEqual(['welcome', 'main-menu']);
  });

  test('the admin passcode typed from one\'s own phone is a wrong PIN', async () => {
    const u = await readyUser();
    const call = await tryPins(u.ext, [ADMIN_PASSCODE]);
    await hears(call, 'enter-passcode');
    await call.hangup();
    expect(heard(call)).toEqual(['welcome', 'invalid-passcode', 'enter-passcode']);
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 1 });
  });

  test('a user with no PIN at all is told to set one, then the call ends', async () => {
    await h.admin.clearDefaultPin('test');
    try {
      const user = await h.admin.createUser({ locationId: 'paris', extension: '3900' }, 'test');
      const call = await tryPins('3900', ['502938']);
      await ended(call);
      expect(heard(call)).toEqual(['welcome', 'no-passcode-set']);
      expect(await h.admin.getUser(user.id)).toMatchObject({ hasPin: false, failures: 0 });
    } finally {
      await h.admin.setDefaultPin(DEFAULT_PIN, 'test');
    }
  });
});

describe('what counts as an attempt (a PIN typed and ended; not silence or # alone)', () => {
  test('digits typed during the welcome stop it (barge-in) and count', async () => {
    const u = await readyUser();
    const call = await h.call({ callerNumber: u.ext });
    await logInFromOwnPhone(call, '502938');
    await call.hangup();
    const welcomeEnd = call.log.find((e) => e.kind === 'media-finished' && e.uri === 'sound:voice-portal/welcome');
    expect(welcomeEnd).toMatchObject({ outcome: 'stopped' });
  });

  test('an empty entry (# alone) is no attempt', async () => {
    const u = await readyUser();
    const call = await tryPins(u.ext, ['', '']);
    await hears(call, 'enter-passcode', 2);
    await call.hangup();
    expect(heard(call)).toEqual(['welcome', 'enter-passcode', 'enter-passcode']);
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 0 });
  });

  test('* after some digits starts the entry again', async () => {
    const u = await readyUser();
    const call = await h.call({ callerNumber: u.ext });
    await hears(call, 'welcome');
    await call.press('99*502938#');
    await hears(call, 'main-menu');
    await call.hangup();
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 0 });
  });

  test('the inter-digit timeout ends an entry typed without #', async () => {
    const u = await readyUser();
    const call = await h.call({ callerNumber: u.ext });
    await hears(call, 'welcome');
    await call.press('502938');
    await hears(call, 'main-menu');
    await call.hangup();
  });

  test('no input: the prompt again up to 3 times, then goodbye', async () => {
    const u = await readyUser();
    const call = await h.call({ callerNumber: u.ext });
    expect(await ended(call)).toBe('app-hangup');
    expect(heard(call)).toEqual(['welcome', 'enter-passcode', 'enter-passcode', 'enter-passcode', 'goodbye']);
    expect(await h.admin.getUser(u.id)).toMatchObject({ failures: 0 });
  });
});

describe('not calling from one\'s own phone (mailbox, then PIN; 3 failures per call)', () => {
  test('* at the welcome: mailbox, then PIN', async () => {
    const u = await readyUser();
    const other = await readyUser();
    const call = await starLogin(other.ext, u.ext, '502938');
    await call.hangup();
    expect(heard(call)).toEqual(['welcome', 'enter-mailbox', 'enter-passcode', 'main-menu']);
  });

  test('a caller ID that matches no user goes to the mailbox prompt after a welcome', async () => {
    const u = await readyUser();
    const call = await h.call({ callerNumber: '+14155550100' });
    await hears(call, 'welcome-enter-mailbox');
    await call.press(`${u.ext}#`);
    await hears(call, 'enter-passcode');
    await call.press('502938#');
    await hears(call, 'main-menu');
    await call.hangup();
    expect(heard(call)).toEqual(['welcome-enter-mailbox', 'enter-passcode', 'main-menu']);
  });

  test('an anonymous caller is treated the same way', async () => {
    const call = await h.call({ callerNumber: '' });
    await hears(call, 'welcome-enter-mailbox');
    await call.hangup();
  });

  test('an unknown mailbox hears exactly what a wrong PIN hears', async () => {
    const u = await readyUser();
    const probe = async (mailbox: string): Promise<string[]> => {
      const call = await h.call({ callerNumber: '+14155550111' });
      await hears(call, 'welcome-enter-mailbox');
      await call.press(`${mailbox}#`);
      await hears(call, 'enter-passcode');
      await call.press('640813#');
      await hears(call, 'enter-mailbox');
      await call.hangup();
      return heard(call);
    };
    const known = await probe(u.ext);
    const unknown = await probe('3999');
    expect(unknown).toEqual(known);
    // The administrator sees the attempt on the unknown mailbox under the portal's location.
    const audit = await h.admin.readAudit({ locationId: 'paris' });
    expect(audit.some((e) => e.type === 'login-failed' && e.outcome === 'unknown-mailbox')).toBe(true);
    expect(known).toEqual(['welcome-enter-mailbox', 'enter-passcode', 'invalid-passcode', 'enter-mailbox']);
  });

  test('after 3 failed logins in one call: goodbye, whatever the mailbox', async () => {
    const u = await readyUser();
    const call = await h.call({ callerNumber: '+14155550122' });
    await tryMailboxesFromOtherPhone(call, [u.ext, '3998', u.ext], '640813');
    expect(await ended(call)).toBe('app-hangup');
    expect(heard(call)).toEqual([
      'welcome-enter-mailbox',
      'enter-passcode',
      'invalid-passcode',
      'enter-mailbox',
      'enter-passcode',
      'invalid-passcode',
      'enter-mailbox',
      'enter-passcode',
      'invalid-passcode',
      'goodbye',
    ]);
  });
});

describe('refusing * logins from outside the organisation (policy refuseOutsideStarLogin)', () => {
  beforeAll(async () => {
    await h.admin.updatePolicy({ refuseOutsideStarLogin: true }, 'test');
  });
  afterAll(async () => {
    await h.admin.updatePolicy({ refuseOutsideStarLogin: false }, 'test');
  });

  test('a caller ID outside the organisation hears "service unavailable", no mailbox asked', async () => {
    for (const callerNumber of ['+14155550177', '']) {
      const call = await h.call({ callerNumber });
      expect(await ended(call)).toBe('app-hangup');
      expect(heard(call)).toEqual(['service-unavailable']);
    }
  });

  test('a user of the organisation may still press * and log in to another mailbox', async () => {
    const u = await readyUser();
    const other = await readyUser();
    const call = await starLogin(other.ext, u.ext, '502938');
    await call.hangup();
  });
});
