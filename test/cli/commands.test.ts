/**
 * Every command of voice-portal-admin, run as a child process against a private Redis: the
 * worked example of the README (location, default PIN, users, reset, unlock, audit), the
 * --json shapes, and proof that nothing printed contains a hash or a typed PIN.
 */
import { silentLogger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { expectNoSecretsPrinted, expectOneErrorLine, json, makeRunner, OPERATOR, PEPPER, prepareCli, type PreparedCli } from './support';

let cli: PreparedCli;
let redis: TestRedis;
let store: Store;
const admin = makeRunner(() => cli, () => redis.url);

// PINs typed by the "operator" in this file: long enough never to appear by chance in a
// timestamp or an id of the output.
const DEFAULT_PIN = '47158293';
const SELF_SERVICE_PIN = '58203917';
const ADMIN_PASSCODE = '69302718';
const TYPED = [DEFAULT_PIN, SELF_SERVICE_PIN, ADMIN_PASSCODE];

interface UserDoc {
  user: Record<string, unknown>;
  pin?: string;
  oneTimePin?: string;
}

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis();
  // The test's own view of the same Redis, to play the caller's side (wrong PINs, locks).
  store = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger() });
});

afterAll(async () => {
  await store?.close();
  await redis?.stop();
  cli?.cleanup();
});

/** A caller typing wrong PINs until the mailbox locks (policy maxFailures). */
async function lockMailbox(mailbox: string, caller: string, attempts: number): Promise<string[]> {
  const results: string[] = [];
  for (let i = 0; i < attempts; i++) results.push((await store.verifyUserPin(mailbox, '90817263', caller)).result);
  return results;
}

describe('locations', () => {
  test('location add prints the location; --json has the stable fields', () => {
    const added = json<{ location: Record<string, unknown> }>(
      admin(['location', 'add', 'paris', '--portal-extension', '8000', '--portal-number', '+33123450000', '--name', 'Paris office', '--language', 'fr', '--timezone', 'Europe/Paris', '--json']),
    );
    expect(added.location).toEqual({
      id: 'paris',
      name: 'Paris office',
      portalNumber: '+33123450000',
      portalExtension: '8000',
      language: 'fr',
      timeZone: 'Europe/Paris',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      hasAdminPasscode: false,
      adminPasscodeChangedAt: null,
      adminFailures: 0,
      adminLocked: false,
      adminLockedSince: null,
    });
    const text = admin(['location', 'add', 'lyon', '--portal-extension', '8100']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Location lyon added/);
  });

  test('location add without extension or number is a usage error; a taken extension is refused', () => {
    expectOneErrorLine(admin(['location', 'add', 'nantes']), 2, /--portal-extension/);
    expectOneErrorLine(admin(['location', 'add', 'nantes', '--portal-extension', '8000']), 1, /8000 is already used by location paris/);
    expectOneErrorLine(admin(['location', 'add', 'paris', '--portal-extension', '8200']), 1, /location paris already exists/);
    // Malformed option values are usage errors (2), like a language that is not en or fr.
    expectOneErrorLine(admin(['location', 'add', 'nantes', '--portal-number', '0123']), 2, /E\.164/);
    expectOneErrorLine(admin(['location', 'add', 'nantes', '--portal-extension', '8300', '--timezone', 'Mars/Olympus']), 2, /Unknown time zone "Mars\/Olympus"/);
  });

  test('location set-passcode reads the passcode from stdin, enforces the policy, and never prints it', () => {
    expectOneErrorLine(admin(['location', 'set-passcode', 'paris'], { input: '1234\n' }), 1, /^error: PIN rejected: the PIN is too short$/m);
    expectOneErrorLine(admin(['location', 'set-passcode', 'paris'], { input: '12345678\n' }), 1, /PIN rejected: the PIN is too simple/);
    expectOneErrorLine(admin(['location', 'set-passcode', 'nowhere'], { input: `${ADMIN_PASSCODE}\n` }), 1, /no location nowhere/);
    const set = json<{ location: { hasAdminPasscode: boolean; adminPasscodeChangedAt: string } }>(
      admin(['location', 'set-passcode', 'paris', '--json'], { input: `${ADMIN_PASSCODE}\n` }),
    );
    expect(set.location.hasAdminPasscode).toBe(true);
    expect(set.location.adminPasscodeChangedAt).toMatch(/^\d{4}-/);
  });

  test('location unlock lifts an admin lock; location show and list report it', async () => {
    for (let i = 0; i < 4; i++) await store.verifyAdminPasscode('paris', '13572468', '+33100000001');
    expect(json<{ location: { adminLocked: boolean } }>(admin(['location', 'show', 'paris', '--json'])).location.adminLocked).toBe(true);
    expect(admin(['location', 'list']).stdout).toMatch(/^paris\s+8000\s+\+33123450000\s+fr\s+Europe\/Paris\s+LOCKED\s+Paris office$/m);
    expect(json(admin(['location', 'unlock', 'paris', '--json']))).toEqual({ locationId: 'paris', wasLocked: true });
    expect((await store.getLocation('paris'))?.adminLockedSince).toBeUndefined();
    expect(admin(['location', 'unlock', 'paris']).stdout).toMatch(/was not locked/);
    expectOneErrorLine(admin(['location', 'unlock', 'nowhere']), 1, /no location nowhere/);
  });

  test('location list --json lists every location', () => {
    const listed = json<{ locations: { id: string }[] }>(admin(['location', 'list', '--json']));
    expect(listed.locations.map((l) => l.id)).toEqual(['lyon', 'paris']);
  });
});

describe('default PIN and policy', () => {
  test('default-pin show before, set from stdin, show after (never the PIN)', () => {
    expect(json(admin(['default-pin', 'show', '--json']))).toEqual({ defaultPin: { set: false, since: null } });
    expect(admin(['default-pin', 'show']).stdout).toBe('No default PIN is set.\n');
    expectOneErrorLine(admin(['default-pin', 'set'], { input: '111111\n' }), 1, /too simple/);
    expectOneErrorLine(admin(['default-pin', 'set'], { input: '\n' }), 1, /no default PIN on stdin/);
    expect(admin(['default-pin', 'set'], { input: `${DEFAULT_PIN}\n` }).code).toBe(0);
    const shown = json<{ defaultPin: { set: boolean; since: string } }>(admin(['default-pin', 'show', '--json']));
    expect(shown.defaultPin.set).toBe(true);
    expect(Date.now() - Date.parse(shown.defaultPin.since)).toBeLessThan(60_000);
    expect(admin(['default-pin', 'show']).stdout).toMatch(/^A default PIN is set \(since \d{4}-.*\)\.$/m);
  });

  test('policy show and policy set (partial, validated)', () => {
    const issue11 = { locationThrottlePerHour: 30, untrustedLockout: 'permanent' };
    expect(json(admin(['policy', 'show', '--json']))).toEqual({
      policy: { minLength: 6, maxLength: 30, historySize: 5, maxFailures: 4, throttlePerHour: 10, refuseOutsideStarLogin: false, ...issue11, refuseCommonPins: true },
    });
    expect(json(admin(['policy', 'set', '--throttle', '3', '--json']))).toEqual({
      policy: { minLength: 6, maxLength: 30, historySize: 5, maxFailures: 4, throttlePerHour: 3, refuseOutsideStarLogin: false, ...issue11, refuseCommonPins: true },
    });
    // Issue #11 settings.
    expect(json(admin(['policy', 'set', '--location-throttle', '50', '--untrusted-lockout', 'temporary', '--json']))).toMatchObject({
      policy: { locationThrottlePerHour: 50, untrustedLockout: 'temporary' },
    });
    expect(admin(['policy', 'show']).stdout).toMatch(/locks from untrusted calls: +temporary/);
    expectOneErrorLine(admin(['policy', 'set', '--untrusted-lockout', 'sometimes']), 2, /--untrusted-lockout/);
    expectOneErrorLine(admin(['policy', 'set', '--location-throttle', '0']), 1, /locationThrottlePerHour must be a whole number between 1 and 100000/);
    expect(admin(['policy', 'set', '--location-throttle', '30', '--untrusted-lockout', 'permanent']).code).toBe(0);
    expect(admin(['policy', 'show']).stdout).toMatch(/throttle \(failures per caller per hour\): 3/);
    expectOneErrorLine(admin(['policy', 'set', '--min-length', '3']), 1, /minLength must be between 4 and 15/);
    expectOneErrorLine(admin(['policy', 'set', '--max-failures', 'four']), 2, /--max-failures/);
    expectOneErrorLine(admin(['policy', 'set']), 2, /at least one of/);
  });
});

describe('users', () => {
  test('user add: with the default PIN set, the user starts on it (must change, name to record)', () => {
    const added = json<UserDoc>(
      admin(['user', 'add', 'alice', '--location', 'paris', '--extension', '1001', '--number', '+33612345678', '--name', 'Alice Martin', '--language', 'fr', '--json']),
    );
    expect(added).toEqual({
      user: {
        id: 'alice',
        locationId: 'paris',
        extension: '1001',
        number: '+33612345678',
        name: 'Alice Martin',
        language: 'fr',
        createdAt: expect.stringMatching(/^\d{4}-/),
        hasPin: true,
        mustChangePin: true,
        mustRecordName: true,
        pinChangedAt: expect.stringMatching(/^\d{4}-/),
        failures: 0,
        locked: false,
        lockedSince: null,
        email: null,
        emailMessages: 'off',
      },
      pin: 'default',
    });
    const text = admin(['user', 'add', 'bob', '--location', 'paris', '--extension', '1002']);
    expect(text.stdout).toMatch(/User bob added .*\nPIN: the default PIN, to be changed at the first call\./);
  });

  test('user add --random-pin prints the one-time PIN once, and that PIN opens the mailbox', async () => {
    const added = json<UserDoc>(admin(['user', 'add', 'carol', '--location', 'lyon', '--extension', '2001', '--random-pin', '--json']));
    expect(added.pin).toBe('one-time');
    expect(added.oneTimePin).toMatch(/^\d{6,}$/);
    expect(added.user).toMatchObject({ hasPin: true, mustChangePin: true, mustRecordName: true });
    const login = await store.verifyUserPin('2001', added.oneTimePin as string, '2001');
    expect(login).toMatchObject({ result: 'ok', mustChange: true });
    // Shown once: nothing else ever prints it.
    expect(admin(['user', 'show', 'carol', '--json']).stdout).not.toContain(added.oneTimePin);

    const text = admin(['user', 'add', 'dave', '--location', 'lyon', '--extension', '2002', '--random-pin']);
    expect(text.stdout).toMatch(/One-time PIN for dave: \d{6,}\n\(shown only this once/);
  });

  test('user add refusals: unknown location, taken extension, missing option, bad language', () => {
    expectOneErrorLine(admin(['user', 'add', 'erin', '--location', 'nowhere', '--extension', '3001']), 1, /no location nowhere/);
    expectOneErrorLine(admin(['user', 'add', 'erin', '--location', 'paris', '--extension', '1001']), 1, /1001 is already used by user alice/);
    expectOneErrorLine(admin(['user', 'add', 'erin', '--location', 'paris', '--extension', '8000']), 1, /location paris's portal/);
    expectOneErrorLine(admin(['user', 'add', 'erin', '--location', 'paris']), 2, /required option '--extension <ext>'/);
    expectOneErrorLine(admin(['user', 'add', 'erin', '--location', 'paris', '--extension', '3001', '--language', 'de']), 2, /Allowed choices are en, fr/);
    expectOneErrorLine(admin(['user', 'add', 'alice', '--location', 'paris', '--extension', '3001']), 1, /user alice already exists/);
  });

  test('user list, filtered by location and by lock; user show', async () => {
    const all = json<{ users: { id: string }[] }>(admin(['user', 'list', '--json']));
    expect(all.users.map((u) => u.id)).toEqual(['alice', 'bob', 'carol', 'dave']);
    const lyon = json<{ users: { id: string }[] }>(admin(['user', 'list', '--location', 'lyon', '--json']));
    expect(lyon.users.map((u) => u.id)).toEqual(['carol', 'dave']);

    expect(await lockMailbox('1001', '1001', 4)).toEqual(['invalid', 'invalid', 'invalid', 'locked']);
    const locked = json<{ users: { id: string; locked: boolean; failures: number }[] }>(admin(['user', 'list', '--locked', '--json']));
    expect(locked.users).toEqual([expect.objectContaining({ id: 'alice', locked: true })]);
    const table = admin(['user', 'list', '--locked']).stdout;
    expect(table).toMatch(/^ID\s+EXTENSION\s+NUMBER\s+LOCATION\s+PIN\s+STATE\s+FAILURES\s+NAME$/m);
    expect(table).toMatch(/^alice\s+1001\s+\+33612345678\s+paris\s+must change\s+LOCKED\s+4\s+Alice Martin$/m);
    expect(table).not.toMatch(/^bob/m);
    expect(admin(['user', 'list', '--location', 'lyon', '--locked']).stdout).toBe('(none)\n');
    expectOneErrorLine(admin(['user', 'list', '--location', 'nowhere']), 1, /no location nowhere/);

    const shown = admin(['user', 'show', 'alice']).stdout;
    expect(shown).toMatch(/^locked:\s+yes, since \d{4}-/m);
    expect(shown).toMatch(/^PIN:\s+must change$/m);
    expectOneErrorLine(admin(['user', 'show', 'nobody']), 1, /^error: no user nobody$/m);
  });

  test('user unlock: open again, PIN unchanged', async () => {
    expect(json(admin(['user', 'unlock', 'alice', '--json']))).toEqual({ userId: 'alice', wasLocked: true });
    expect(await store.verifyUserPin('1001', DEFAULT_PIN, '1001')).toMatchObject({ result: 'ok', mustChange: true });
    expect(admin(['user', 'unlock', 'alice']).stdout).toMatch(/was not locked/);
    expectOneErrorLine(admin(['user', 'unlock', 'nobody']), 1, /no user nobody/);
  });

  test('user set-pin (self-service): policy reasons, then the PIN works at once and unlocks', async () => {
    await lockMailbox('1002', '1002', 4);
    expectOneErrorLine(admin(['user', 'set-pin', 'bob'], { input: '1002557\n' }), 1, /^error: PIN rejected: the PIN contains your extension or phone number$/m);
    expectOneErrorLine(admin(['user', 'set-pin', 'bob'], { input: `${DEFAULT_PIN}\n` }), 1, /PIN rejected: the PIN is the default PIN/);
    expectOneErrorLine(admin(['user', 'set-pin', 'bob'], { input: '12ab56\n' }), 1, /PIN rejected: the PIN must contain digits only/);
    expectOneErrorLine(admin(['user', 'set-pin', 'nobody'], { input: `${SELF_SERVICE_PIN}\n` }), 1, /no user nobody/);
    const set = json<UserDoc>(admin(['user', 'set-pin', 'bob', '--json'], { input: `${SELF_SERVICE_PIN}\n` }));
    expect(set.user).toMatchObject({ id: 'bob', hasPin: true, mustChangePin: false, mustRecordName: true, locked: false });
    expect(await store.verifyUserPin('1002', SELF_SERVICE_PIN, '1002')).toMatchObject({ result: 'ok', mustChange: false });
    expectOneErrorLine(admin(['user', 'set-pin', 'bob'], { input: `${SELF_SERVICE_PIN}\n` }), 1, /PIN rejected: the PIN was used recently/);
  });

  test('user reset-pin: back to the default PIN (forced change), or a one-time PIN, or none without a default', async () => {
    await lockMailbox('1002', '1002', 4);
    const reset = json<UserDoc>(admin(['user', 'reset-pin', 'bob', '--json']));
    expect(reset.pin).toBe('default');
    expect(reset.user).toMatchObject({ locked: false, mustChangePin: true, mustRecordName: true, failures: 0 });
    expect(await store.verifyUserPin('1002', DEFAULT_PIN, '1002')).toMatchObject({ result: 'ok', mustChange: true });

    const random = json<UserDoc>(admin(['user', 'reset-pin', 'bob', '--random-pin', '--json']));
    expect(random.pin).toBe('one-time');
    expect(await store.verifyUserPin('1002', random.oneTimePin as string, '1002')).toMatchObject({ result: 'ok', mustChange: true });
    expect(admin(['user', 'reset-pin', 'bob', '--random-pin']).stdout).toMatch(/One-time PIN for bob: \d{6,}/);

    expect(admin(['default-pin', 'clear']).stdout).toMatch(/Default PIN cleared/);
    expect(json(admin(['default-pin', 'show', '--json']))).toEqual({ defaultPin: { set: false, since: null } });
    const none = admin(['user', 'reset-pin', 'bob']);
    expect(none.stdout).toMatch(/PIN: none \(no default PIN is set\)/);
    expect((await store.getUser('bob'))?.hasPin).toBe(false);
    expectOneErrorLine(admin(['user', 'reset-pin', 'nobody']), 1, /no user nobody/);
  });

  test('user add without a default PIN: no PIN', () => {
    const added = json<UserDoc>(admin(['user', 'add', 'frank', '--location', 'lyon', '--extension', '2003', '--json']));
    expect(added.pin).toBe('none');
    expect(added.user).toMatchObject({ hasPin: false, mustChangePin: false, mustRecordName: true });
  });
});

describe('throttle', () => {
  test('throttle list shows callers failing on other mailboxes; throttle clear forgets one', async () => {
    // The wrong admin passcodes typed above came from +33100000001 (admin attempts count too).
    expect(admin(['throttle', 'list']).stdout).toMatch(/^CALLER\s+FAILURES\s+STATE\n33100000001\s+\d+\s+REFUSED\n$/);
    expect(json(admin(['throttle', 'clear', '+33100000001', '--json']))).toEqual({ caller: '33100000001', cleared: true });
    expect(admin(['throttle', 'list']).stdout).toBe('(none)\n');
    // A caller guessing other people's mailboxes (policy throttle was set to 3 above).
    for (const mailbox of ['1001', '2001', '2002']) await store.verifyUserPin(mailbox, '31415926', '+33699999999');
    await store.verifyUserPin('1001', '27182818', '+33688888888');
    expect(json(admin(['throttle', 'list', '--json']))).toEqual({
      callers: [
        { caller: '33699999999', failures: 3, throttled: true },
        { caller: '33688888888', failures: 1, throttled: false },
      ],
    });
    expect(admin(['throttle', 'list']).stdout).toMatch(/^33699999999\s+3\s+REFUSED$/m);
    expect(json(admin(['throttle', 'clear', '+33699999999', '--json']))).toEqual({ caller: '33699999999', cleared: true });
    expect(admin(['throttle', 'clear', '+33699999999']).stdout).toMatch(/nothing to clear/);
    expectOneErrorLine(admin(['throttle', 'clear', '+33 6 88']), 1, /is not a calling number/);
    expect(json<{ callers: unknown[] }>(admin(['throttle', 'list', '--json'])).callers).toHaveLength(1);
  });
});

describe('removal', () => {
  test('location remove refuses while the location has users; --force removes them too', async () => {
    expectOneErrorLine(admin(['location', 'remove', 'lyon']), 1, /location lyon still has 3 user\(s\) \(carol, dave, frank\).*--force/);
    expect(await store.getLocation('lyon')).not.toBeNull();
    // --force removes users: in a script (no terminal) it needs --yes, and nothing happens without it.
    expectOneErrorLine(admin(['location', 'remove', 'lyon', '--force']), 2, /This removes location lyon and its 3 user\(s\).*: confirm with --yes \(there is no terminal to ask on\); nothing was changed/);
    expect(await store.getUser('carol')).not.toBeNull();
    expect(json(admin(['location', 'remove', 'lyon', '--force', '--yes', '--json']))).toEqual({
      locationId: 'lyon',
      removed: true,
      removedUsers: ['carol', 'dave', 'frank'],
    });
    expect(await store.getLocation('lyon')).toBeNull();
    expect(await store.getUser('carol')).toBeNull();
    expectOneErrorLine(admin(['location', 'remove', 'lyon']), 1, /no location lyon/);
  });

  test('user remove frees the extension; a location without users is removed', async () => {
    expect(json(admin(['user', 'remove', 'alice', '--json']))).toEqual({ userId: 'alice', removed: true });
    expect(admin(['user', 'remove', 'bob']).stdout).toBe('User bob removed.\n');
    expectOneErrorLine(admin(['user', 'remove', 'bob']), 1, /no user bob/);
    expect(await store.findUserByMailbox('1001')).toBeNull();
    expect(admin(['location', 'remove', 'paris']).stdout).toBe('Location paris removed.\n');
  });
});

describe('audit', () => {
  test('every write is in the audit trail with the operator as actor; filters and limit work', () => {
    const all = json<{ events: { type: string; actor: string; userId: string | null; locationId: string | null; time: string; id: string }[] }>(
      admin(['audit', '--limit', '1000', '--json']),
    );
    const cliEvents = all.events.filter((e) => e.actor === OPERATOR).map((e) => e.type);
    for (const type of [
      'location-added',
      'admin-passcode-set',
      'admin-unlocked',
      'default-pin-set',
      'default-pin-cleared',
      'policy-set',
      'user-created',
      'random-pin-issued',
      'unlocked',
      'self-service-set',
      'admin-reset',
      'throttle-cleared',
      'user-removed',
      'location-removed',
    ]) {
      expect(cliEvents).toContain(type);
    }
    // The phone side is there too, with its own actor.
    expect(all.events).toContainEqual(expect.objectContaining({ type: 'locked', actor: 'caller:1001', userId: 'alice' }));
    expect(Object.keys(all.events[0]).sort()).toEqual(['actor', 'detail', 'id', 'locationId', 'outcome', 'time', 'type', 'userId']);

    const bob = json<{ events: { userId: string }[] }>(admin(['audit', '--user', 'bob', '--json']));
    expect(bob.events.length).toBeGreaterThan(3);
    expect(bob.events.every((e) => e.userId === 'bob')).toBe(true);
    const lyon = json<{ events: { locationId: string }[] }>(admin(['audit', '--location', 'lyon', '--json']));
    expect(lyon.events.every((e) => e.locationId === 'lyon')).toBe(true);
    expect(lyon.events.length).toBeGreaterThan(3);

    const two = json<{ events: { id: string }[] }>(admin(['audit', '--limit', '2', '--json']));
    expect(two.events.map((e) => e.id)).toEqual(all.events.slice(-2).map((e) => e.id));
    expect(json<{ events: unknown[] }>(admin(['audit', '--since', '2099-01-01', '--json'])).events).toEqual([]);
    expect(json<{ events: unknown[] }>(admin(['audit', '--since', '1h', '--json'])).events.length).toBe(Math.min(all.events.length, 100));

    const table = admin(['audit', '--user', 'alice']).stdout;
    expect(table).toMatch(/^TIME\s+TYPE\s+ACTOR\s+USER\s+LOCATION\s+OUTCOME\s+DETAIL$/m);
    expect(table).toMatch(new RegExp(`^\\S+Z\\s+user-created\\s+${OPERATOR}\\s+alice\\s+paris\\s+default-pin`, 'm'));
  });

  test('SUDO_USER wins over USER as the actor', () => {
    expect(admin(['policy', 'set', '--throttle', '10'], { env: { SUDO_USER: 'root-via-sudo' } }).code).toBe(0);
    const last = json<{ events: { type: string; actor: string }[] }>(admin(['audit', '--limit', '1', '--json']));
    expect(last.events).toEqual([expect.objectContaining({ type: 'policy-set', actor: 'root-via-sudo' })]);
  });
});

afterAll(() => {
  expectNoSecretsPrinted(TYPED);
});
