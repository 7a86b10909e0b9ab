/**
 * Output that cannot attack the admin's terminal (issue #11 item 8): a caller name with a
 * terminal escape sequence, left through a real deposit (test double + real Redis + the app),
 * prints escaped in `user messages` (table and JSON); a user's full name that holds one (data
 * written before names were validated) prints escaped in `user show` and `user list`; argv
 * echoed in an error is escaped; bidi and C1 controls are refused in names, store-side.
 */
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { InvalidInput } from '../../src/store';
import { userKey } from '../../src/store/keys';
import Redis from 'ioredis';
import { ARI_PASS, ARI_USER, ended, PARIS, PEPPER, recordVoice, startHarness, type Harness } from '../support/portal-harness';

/** Clear screen, then an OSC 52 clipboard write, then red text: what a hostile caller ID could carry. */
const HOSTILE = '\u001b[2J\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[31mBoss';
/** Anything a terminal would act on: C0 (ESC, BEL…), DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let h: Harness;
let raw: Redis;
let env: Record<string, string>;

beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation(PARIS, 'test');
  raw = new Redis(h.redis.url);
  env = { REDIS_URL: h.redis.url, PIN_PEPPER: PEPPER, ARI_URL: h.double.url, ARI_USERNAME: ARI_USER, ARI_PASSWORD: ARI_PASS, USER: 'tester' };
});

afterAll(async () => {
  raw?.disconnect();
  await h?.close();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(args, env, { stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

test("a deposited message's caller name and number print escaped, in the table and in JSON", async () => {
  const user = await h.admin.createUser({ locationId: 'paris', extension: '4801' }, 'test');
  const dep = await h.double.placeCall({ callerNumber: '+3361\u009b2J', callerName: HOSTILE, extension: '4801', args: ['deposit', '4801'] });
  await recordVoice(dep, 2);
  expect(await ended(dep)).toBe('app-hangup');
  // Stored as the network sent it (evidence), escaped only on the way to the terminal.
  expect((await h.app.messages.list(user.id))[0]?.callerName).toBe(HOSTILE);

  const table = await cli(['user', 'messages', user.id]);
  expect(table.code).toBe(0);
  expect(table.stdout).not.toMatch(RAW_CONTROL);
  expect(table.stdout).toContain('\\x1b[2J\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[31mBoss');
  expect(table.stdout).toContain('+3361\\x9b2J');

  const json = await cli(['--json', 'user', 'messages', user.id]);
  expect(json.stdout).not.toMatch(RAW_CONTROL);
  const parsed = JSON.parse(json.stdout) as { messages: { callerName: string; callerNumber: string }[] };
  expect(parsed.messages[0]).toMatchObject({ callerName: HOSTILE, callerNumber: '+3361\u009b2J' });
});

test("a user's full name with an escape sequence or a bidi override prints escaped in user show and user list", async () => {
  const user = await h.admin.createUser({ locationId: 'paris', extension: '4802', displayName: 'Alice' }, 'test');
  // Written straight into Redis, as data from before names were validated would be.
  await raw.hset(userKey(user.id), 'displayName', 'Ali\u001b[8mce \u202egnp.exe\nfake: line');
  for (const args of [['user', 'show', user.id], ['user', 'list']]) {
    const shown = await cli(args);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(RAW_CONTROL);
    expect(shown.stdout).toContain('Ali\\x1b[8mce \\u202egnp.exe\\nfake: line');
  }
});

test('argv echoed in an error is escaped (store errors and commander errors)', async () => {
  const notFound = await cli(['user', 'show', 'x\u001b[2Jy']);
  expect(notFound.code).not.toBe(0);
  expect(notFound.stderr).toMatch(/^error: /);
  expect(notFound.stderr).not.toMatch(RAW_CONTROL);
  const unknownOption = await cli(['user', 'list', '--evil\u001b]0;title\u0007']);
  expect(unknownOption.code).toBe(2);
  expect(unknownOption.stderr).not.toMatch(RAW_CONTROL);
  expect(unknownOption.stderr).toContain('--evil\\x1b]0;title\\x07');
});

test('bidi and C1 control characters are refused in names, store-side (CLI: exit 1, one escaped error line)', async () => {
  for (const name of ['Eve \u202e1gpj.exe', 'Eve\u2066x\u2069', 'Eve\u009b31m', 'Eve\u200f', 'Eve\u001b[31m']) {
    await expect(h.admin.createUser({ locationId: 'paris', extension: '4803', displayName: name }, 'test')).rejects.toBeInstanceOf(InvalidInput);
    await expect(h.admin.addLocation({ ...PARIS, id: 'evil', name, portalExtension: '8999', portalNumber: undefined }, 'test')).rejects.toBeInstanceOf(InvalidInput);
  }
  const added = await cli(['user', 'add', 'eve', '--location', 'paris', '--extension', '4803', '--name', 'Eve \u202e1gpj.exe']);
  expect(added.code).toBe(1);
  expect(added.stderr).toMatch(/^error: .*display name must be 1 to 100 printable characters \(no control or bidi characters\)\n$/);
  expect(added.stderr).not.toMatch(RAW_CONTROL);
  expect(await h.admin.getUser('eve')).toBeNull();
  // Accented letters and other scripts are names like any other.
  const ok = await h.admin.createUser({ locationId: 'paris', extension: '4804', displayName: 'Zoé Ångström 李' }, 'test');
  expect((await cli(['user', 'show', ok.id])).stdout).toContain('Zoé Ångström 李');
});
