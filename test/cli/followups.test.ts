/**
 * The CLI follow-ups, run as child processes against a private Redis:
 * - LOCKOUT_WEBHOOK_URL: unlocks and resets made with the CLI reach the webhook (drained
 *   before exit, retried), an unreachable webhook costs at most the drain time and a warning;
 * - a different pepper: every write refused (exit 1) before anything is asked or written,
 *   reads allowed;
 * - audit --location finds phone events; audit --follow blocks on a dedicated connection;
 * - policy set: concurrent administrators changing different fields; --refuse-outside-star-login;
 * - user set / location set.
 */
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { silentLogger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import {
  baseEnv,
  exited,
  expectNoSecretsPrinted,
  expectOneErrorLine,
  json,
  makeRunner,
  OPERATOR,
  OTHER_PEPPER,
  PEPPER,
  prepareCli,
  spawnAdmin,
  startupMs,
  transcript,
  type PreparedCli,
  type RunResult,
} from './support';

let cli: PreparedCli;
let redis: TestRedis;
let store: Store;
let raw: Redis;
const admin = makeRunner(() => cli, () => redis.url);

const PIN = '58203917';
const PIN2 = '39582017';
const WRONG = ['60392817', '83920461', '29058173', '71630492'];

let webhook: WebhookReceiver;

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis();
  store = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger() });
  raw = new Redis(redis.url);
  webhook = await startWebhookReceiver('/lockout');

  expect(admin(['location', 'add', 'paris', '--portal-extension', '8000', '--portal-number', '+33123450000']).code).toBe(0);
  expect(admin(['location', 'add', 'lyon', '--portal-extension', '8100']).code).toBe(0);
  expect(admin(['user', 'add', 'alice', '--location', 'paris', '--extension', '1001', '--number', '+33612345678']).code).toBe(0);
  expect(admin(['user', 'add', 'bob', '--location', 'lyon', '--extension', '2001']).code).toBe(0);
  expect(admin(['user', 'set-pin', 'alice'], { input: `${PIN}\n` }).code).toBe(0);
});

afterAll(async () => {
  expectNoSecretsPrinted([PIN, PIN2, ...WRONG]);
  await webhook.close();
  raw?.disconnect();
  await store?.close();
  await redis?.stop();
  cli?.cleanup();
});

async function lock(mailbox: string): Promise<void> {
  for (const pin of WRONG) await store.verifyUserPin(mailbox, pin, mailbox);
  expect((await store.findUserByMailbox(mailbox))?.lockedSince).toEqual(expect.any(Number));
}

/** Run the CLI without blocking the test's event loop (needed while this process serves HTTP). */
function run(args: string[], env: Record<string, string | undefined> = {}, input = ''): Promise<RunResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [cli.main, ...args], { env: Object.fromEntries(Object.entries({ ...baseEnv(redis.url), ...env }).filter(([, v]) => v !== undefined)) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input);
  return exited(child).then((code) => {
    transcript.push(stdout, stderr);
    return { code, stdout, stderr, ms: Date.now() - started };
  });
}

describe('LOCKOUT_WEBHOOK_URL', () => {
  const hook = (): Record<string, string> => ({ LOCKOUT_WEBHOOK_URL: webhook.url });

  beforeEach(() => {
    webhook.received.length = 0;
    webhook.authorizations.length = 0;
    webhook.refuseNext(0);
  });

  test('user unlock of a locked user is POSTed before the CLI exits, retried after a failure', async () => {
    await lock('1001');
    webhook.refuseNext(1, 503);
    const startup = startupMs(cli);
    const unlocked = await run(['user', 'unlock', 'alice', '--json'], hook());
    expect(unlocked).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(unlocked.stdout)).toEqual({ userId: 'alice', wasLocked: true });
    // Already there when the process has exited: delivered during the drain, after one retry.
    expect(webhook.received).toEqual([expect.objectContaining({ event: 'unlocked', userId: 'alice', locationId: 'paris', actor: OPERATOR, outcome: 'unlocked' })]);
    // Delivered during the drain, which then ended at once (not after the full 5 s).
    expect(unlocked.ms - startup).toBeLessThan(4500);
  });

  test('user reset-pin (default and random), location unlock: each notified once', async () => {
    await lock('1001');
    expect((await run(['user', 'reset-pin', 'alice'], hook())).code).toBe(0);
    const random = await run(['user', 'reset-pin', 'alice', '--random-pin', '--json'], hook());
    expect(random.code).toBe(0);
    expect((await run(['location', 'unlock', 'paris'], hook())).code).toBe(0);
    expect(webhook.received.map((b) => `${b.event}/${b.userId ?? b.locationId}`)).toEqual(['admin-reset/alice', 'random-pin-issued/alice', 'admin-unlocked/paris']);
    // The one-time PIN printed on stdout is not in the notification.
    const oneTimePin = (JSON.parse(random.stdout) as { oneTimePin: string }).oneTimePin;
    expect(JSON.stringify(webhook.received)).not.toContain(oneTimePin);
  });

  test('a command that notifies nothing does not wait', async () => {
    const startup = startupMs(cli);
    const listed = await run(['user', 'list'], hook());
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.ms - startup).toBeLessThan(3000);
    expect(webhook.received).toEqual([]);
  });

  test('an unreachable webhook: the change is made, the CLI waits at most about 5 s, then one warning line', async () => {
    await lock('1001');
    const startup = startupMs(cli);
    const dead = await run(['user', 'unlock', 'alice'], { LOCKOUT_WEBHOOK_URL: 'http://127.0.0.1:1/nothing' });
    expect(dead.code).toBe(0);
    expect(dead.stdout).toBe('Mailbox of alice unlocked.\n');
    expect(dead.stderr).toMatch(/^warning: the lockout webhook \(LOCKOUT_WEBHOOK_URL\) did not accept 1 notification\(s\) within 5 s; the audit trail has them\n$/);
    expect(dead.ms).toBeGreaterThanOrEqual(4800);
    expect(dead.ms - startup).toBeLessThan(8000);
    expect((await store.getUser('alice'))?.lockedSince).toBeUndefined();
  });

  test('a LOCKOUT_WEBHOOK_URL that is not http(s) is a usage error', () => {
    expectOneErrorLine(admin(['user', 'list'], { env: { LOCKOUT_WEBHOOK_URL: 'ftp://example.org/x' } }), 2, /LOCKOUT_WEBHOOK_URL must start with http/);
    expectOneErrorLine(admin(['user', 'list'], { env: { LOCKOUT_WEBHOOK_URL: 'not a url' } }), 2, /LOCKOUT_WEBHOOK_URL is not a URL/);
    expectOneErrorLine(admin(['user', 'list'], { env: { LOCKOUT_WEBHOOK_URL: 'javascript:alert(1)' } }), 2, /LOCKOUT_WEBHOOK_URL must start with http/);
  });

  test('credentials in the URL are refused without being echoed; the token travels as a Bearer header', async () => {
    const withUserinfo = admin(['user', 'list'], { env: { LOCKOUT_WEBHOOK_URL: 'http://hookuser:hook-secret-4711@127.0.0.1:1/x' } });
    expectOneErrorLine(withUserinfo, 2, /LOCKOUT_WEBHOOK_URL must not contain a user name or password .*LOCKOUT_WEBHOOK_TOKEN/);
    expect(withUserinfo.stderr).not.toMatch(/hook-secret-4711|hookuser/);
    expectOneErrorLine(admin(['user', 'list'], { env: { LOCKOUT_WEBHOOK_TOKEN: 'tok' } }), 2, /LOCKOUT_WEBHOOK_TOKEN is set but LOCKOUT_WEBHOOK_URL is not/);

    // A 307 is a failed delivery: not followed to its Location, retried at the configured URL.
    // --debug puts the store's log lines on stderr: they name the scheme and host only.
    const elsewhere = await startWebhookReceiver('/elsewhere');
    try {
      await lock('1001');
      webhook.refuseNext(1, 307, elsewhere.url);
      const token = 'hook-token-5c1e9a';
      const unlocked = await run(['--debug', 'user', 'unlock', 'alice'], { ...hook(), LOCKOUT_WEBHOOK_TOKEN: token });
      expect(unlocked.code).toBe(0);
      expect(elsewhere.authorizations).toEqual([]);
      expect(webhook.authorizations).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
      expect(webhook.received).toEqual([expect.objectContaining({ event: 'unlocked', userId: 'alice' })]);
      const origin = new URL(webhook.url).origin;
      expect(unlocked.stderr).toContain(`lockout webhook failed, will retry`);
      expect(unlocked.stderr).toContain(origin);
      expect(unlocked.stderr).toContain('HTTP 307 (redirect, not followed)');
      expect(unlocked.stderr).not.toContain(token);
      expect(unlocked.stderr).not.toContain('/lockout');
      expect(unlocked.stderr).not.toContain('/elsewhere');
    } finally {
      await elsewhere.close();
    }
  });
});

describe('a different pepper', () => {
  const other = { PIN_PEPPER: OTHER_PEPPER };

  test('every write is refused with exit 1 before anything is asked or written; reads work', () => {
    const before = json(admin(['audit', '--limit', '1000', '--json']));
    const writes = [
      ['default-pin', 'set'],
      ['default-pin', 'clear'],
      ['policy', 'set', '--throttle', '20'],
      ['policy', 'set', '--refuse-outside-star-login', 'on'],
      ['location', 'add', 'nice', '--portal-extension', '8200'],
      ['location', 'set', 'lyon', '--name', 'Lyon 2'],
      ['location', 'set-passcode', 'lyon'],
      ['location', 'unlock', 'lyon'],
      ['location', 'remove', 'lyon', '--force', '--yes'],
      ['user', 'add', 'carl', '--location', 'lyon', '--extension', '2002'],
      ['user', 'set', 'bob', '--extension', '2009'],
      ['user', 'remove', 'bob'],
      ['user', 'reset-pin', 'bob'],
      ['user', 'reset-pin', 'bob', '--random-pin'],
      ['user', 'set-pin', 'bob'],
      ['user', 'unlock', 'bob'],
      ['throttle', 'clear', 'anonymous'],
    ];
    for (const args of writes) {
      // Empty stdin: had a PIN been asked for first, the error would be "no … on stdin".
      expectOneErrorLine(admin(args, { env: other }), 1, /^error: PIN_PEPPER is not the pepper this Redis was set up with \(fingerprint mismatch\): refused, nothing written$/m);
    }
    expect(json(admin(['audit', '--limit', '1000', '--json']))).toEqual(before);
    for (const args of [['user', 'list'], ['user', 'show', 'bob'], ['location', 'list'], ['location', 'show', 'lyon'], ['policy', 'show'], ['default-pin', 'show'], ['throttle', 'list'], ['audit']]) {
      expect(admin(args, { env: other })).toMatchObject({ code: 0, stderr: '' });
    }
  });
});

describe('audit and phone events', () => {
  test('audit --location finds the logins, failures and locks of the location’s users', async () => {
    expect(admin(['user', 'set-pin', 'alice'], { input: `${PIN2}\n` }).code).toBe(0);
    const since = new Date().toISOString();
    await store.verifyUserPin('1001', PIN2, '1001');
    await store.verifyUserPin('1001', WRONG[0], '+33699990000');
    await store.verifyUserPin('2001', WRONG[1], '2001');
    const paris = json<{ events: { type: string; userId: string | null; locationId: string }[] }>(admin(['audit', '--location', 'paris', '--since', since, '--json']));
    expect(paris.events.map((e) => `${e.type}/${e.userId}`)).toEqual(['login-ok/alice', 'login-failed/alice']);
    const lyon = json<{ events: { type: string; userId: string | null }[] }>(admin(['audit', '--location', 'lyon', '--since', since, '--json']));
    expect(lyon.events.map((e) => e.type)).toEqual(['login-no-pin']);
  });

  test('audit --follow waits in a blocking read on its own connection and prints events as they come', async () => {
    const child = spawnAdmin(cli, redis.url, ['audit', '--follow', '--json', '--location', 'paris', '--limit', '1']);
    let seen = '';
    child.stdout?.on('data', (c: Buffer) => (seen += c.toString()));
    const followers = async (): Promise<string[]> =>
      ((await raw.call('CLIENT', 'LIST')) as string).split('\n').filter((l) => l.includes('name=voice-portal-cli-audit-follow'));
    const until = async (check: () => boolean | Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out; output so far: ${seen}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(async () => (await followers()).some((l) => /cmd=xread/.test(l) && /flags=\S*b/.test(l)));
      const lines = (): { type: string; userId: string | null; locationId: string }[] =>
        seen
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { type: string; userId: string | null; locationId: string });
      await until(() => lines().length === 1);
      const started = Date.now();
      await store.verifyUserPin('1001', WRONG[2], '1001');
      await store.verifyUserPin('2001', WRONG[2], '2001'); // lyon: not shown
      await store.verifyUserPin('1001', PIN2, '1001');
      await until(() => lines().length === 3);
      // Generous for a loaded machine; the blocked XREAD above shows that nothing polls.
      expect(Date.now() - started).toBeLessThan(2000);
      expect(lines().slice(1).map((e) => `${e.type}/${e.userId}/${e.locationId}`)).toEqual(['login-failed/alice/paris', 'login-ok/alice/paris']);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
    await until(async () => (await followers()).length === 0);
  });
});

describe('policy set', () => {
  test('--refuse-outside-star-login on|off, shown by policy show', () => {
    expect(json<{ policy: { refuseOutsideStarLogin: boolean } }>(admin(['policy', 'set', '--refuse-outside-star-login', 'on', '--json'])).policy.refuseOutsideStarLogin).toBe(true);
    expect(admin(['policy', 'show']).stdout).toMatch(/^refuse \* logins from outside callers:\s+on$/m);
    expect(admin(['policy', 'set', '--refuse-outside-star-login', 'off']).stdout).toMatch(/^refuse \* logins from outside callers:\s+off$/m);
    expectOneErrorLine(admin(['policy', 'set', '--refuse-outside-star-login', 'yes']), 2, /Allowed choices are on, off/);
    expectOneErrorLine(admin(['policy', 'set']), 2, /--refuse-outside-star-login/);
  });

  test('administrators changing different fields at the same time all keep their change; the merged policy is validated', async () => {
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all([
        run(['policy', 'set', '--min-length', String(8 + round)]),
        run(['policy', 'set', '--throttle', String(30 + round)]),
        run(['policy', 'set', '--history', String(2 + round)]),
        run(['policy', 'set', '--max-failures', String(5 + round)]),
        run(['policy', 'set', '--refuse-outside-star-login', round === 0 ? 'on' : 'off']),
      ]);
      for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(json(admin(['policy', 'show', '--json']))).toEqual({
        policy: {
          minLength: 8 + round,
          maxLength: 30,
          historySize: 2 + round,
          maxFailures: 5 + round,
          throttlePerHour: 30 + round,
          refuseOutsideStarLogin: round === 0,
          locationThrottlePerHour: 30,
          untrustedLockout: 'permanent',
          refuseCommonPins: true,
        },
      });
    }
    expectOneErrorLine(admin(['policy', 'set', '--max-length', '8']), 1, /maxLength \(8\) must not be less than minLength \(9\)/);
    expect(admin(['policy', 'set', '--min-length', '6', '--history', '5', '--max-failures', '4', '--throttle', '10']).code).toBe(0);
  });
});

describe('user set and location set', () => {
  test('user set changes identifiers, name, language, location; old identifiers are freed; audited', async () => {
    const changed = json<{ user: Record<string, unknown> }>(
      admin(['user', 'set', 'alice', '--extension', '1005', '--number', '+33612345679', '--name', 'Alice M.', '--language', 'fr', '--json']),
    );
    expect(changed.user).toMatchObject({ id: 'alice', extension: '1005', number: '+33612345679', name: 'Alice M.', language: 'fr', hasPin: true, locationId: 'paris' });
    expect((await store.verifyUserPin('1005', PIN2, '1005')).result).toBe('ok');
    expect(await store.findUserByMailbox('1001')).toBeNull();
    expect(admin(['user', 'add', 'carl', '--location', 'paris', '--extension', '1001', '--number', '+33612345678']).code).toBe(0);

    const cleared = json<{ user: Record<string, unknown> }>(admin(['user', 'set', 'alice', '--no-number', '--no-name', '--no-language', '--json']));
    expect(cleared.user).toMatchObject({ number: null, name: null, language: null });
    const moved = admin(['user', 'set', 'alice', '--location', 'lyon']);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^User alice updated\.\n(.*\n)*location:\s+lyon$/m);
    expect(json<{ users: { id: string }[] }>(admin(['user', 'list', '--location', 'lyon', '--json'])).users.map((u) => u.id)).toEqual(['alice', 'bob']);
    expect(json<{ users: { id: string }[] }>(admin(['user', 'list', '--location', 'paris', '--json'])).users.map((u) => u.id)).toEqual(['carl']);

    const recent = json<{ events: { type: string; actor: string; locationId: string; detail: string }[] }>(admin(['audit', '--user', 'alice', '--limit', '10', '--json']));
    const last = { events: recent.events.filter((e) => e.type === 'user-updated') };
    expect(last.events.map((e) => `${e.type}/${e.actor}/${e.locationId}`)).toEqual([
      `user-updated/${OPERATOR}/paris`,
      `user-updated/${OPERATOR}/paris`,
      `user-updated/${OPERATOR}/lyon`,
    ]);
    expect(last.events[2].detail).toBe('locationId paris -> lyon');
  });

  test('user set refusals and usage errors', () => {
    expectOneErrorLine(admin(['user', 'set', 'alice', '--extension', '2001']), 1, /^error: 2001 is already used by user bob$/m);
    expectOneErrorLine(admin(['user', 'set', 'alice', '--extension', '8000']), 1, /location paris's portal/);
    // A malformed value is a usage error (2) whatever the option; a well-formed one the store refuses is 1.
    expectOneErrorLine(admin(['user', 'set', 'alice', '--number', '0612']), 2, /--number <e164>.*E\.164/);
    expectOneErrorLine(admin(['user', 'set', 'alice', '--extension', '1a']), 2, /--extension <ext>.*2 to 15 digits/);
    expectOneErrorLine(admin(['location', 'set', 'paris', '--portal-number', '0123']), 2, /--portal-number <e164>.*E\.164/);
    expectOneErrorLine(admin(['user', 'set', 'alice', '--location', 'nowhere']), 1, /no location nowhere/);
    expectOneErrorLine(admin(['user', 'set', 'ghost', '--extension', '1999']), 1, /no user ghost/);
    expectOneErrorLine(admin(['user', 'set', 'alice']), 2, /user set: give at least one of --extension/);
    expectOneErrorLine(admin(['user', 'set', 'alice', '--language', 'de']), 2, /Allowed choices are en, fr/);
  });

  test('location set changes the portal and settings; one portal identifier must remain; audited', async () => {
    const changed = json<{ location: Record<string, unknown> }>(
      admin(['location', 'set', 'lyon', '--portal-number', '+33478000000', '--name', 'Lyon office', '--timezone', 'Europe/Paris', '--language', 'fr', '--json']),
    );
    expect(changed.location).toMatchObject({ id: 'lyon', portalNumber: '+33478000000', portalExtension: '8100', name: 'Lyon office', timeZone: 'Europe/Paris', language: 'fr' });
    expect(admin(['location', 'set', 'lyon', '--no-portal-extension']).stdout).toMatch(/^Location lyon updated\.\n(.*\n)*portal extension:\s+-$/m);
    expect((await store.findLocationByPortal('+33478000000'))?.id).toBe('lyon');
    expect(await store.findLocationByPortal('8100')).toBeNull();
    expectOneErrorLine(admin(['location', 'set', 'lyon', '--no-portal-number']), 1, /a location needs a portal number or a portal extension/);
    expectOneErrorLine(admin(['location', 'set', 'lyon', '--portal-extension', '1005']), 1, /1005 is already used by user alice/);
    expectOneErrorLine(admin(['location', 'set', 'lyon', '--timezone', 'Mars/Olympus']), 2, /Unknown time zone/);
    expectOneErrorLine(admin(['location', 'set', 'nowhere', '--name', 'x']), 1, /no location nowhere/);
    expectOneErrorLine(admin(['location', 'set', 'lyon']), 2, /location set: give at least one of/);
    const last = json<{ events: { type: string; actor: string; detail: string }[] }>(admin(['audit', '--location', 'lyon', '--limit', '1', '--json']));
    expect(last.events).toEqual([expect.objectContaining({ type: 'location-updated', actor: OPERATOR, detail: 'portalExtension removed' })]);
    // isOrganisationCaller follows the change: the new portal number is the organisation's.
    expect(await store.isOrganisationCaller('+33478000000')).toBe(true);
  });
});
