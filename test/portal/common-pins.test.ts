/**
 * The common-PIN list (issue #11 item 9) end to end: a caller choosing 147258 hears the
 * 'passcode-too-common' reason and tries again; the CLI prints the reason for 159753; with
 * `policy set --refuse-common-pins off` both are accepted.
 */
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { DEFAULT_PIN, heard, hears, PARIS, PEPPER, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation(PARIS, 'test');
  await h.admin.setDefaultPin(DEFAULT_PIN, 'test');
});
afterAll(async () => {
  await h?.close();
});

async function cli(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const env = { REDIS_URL: h.redis.url, PIN_PEPPER: PEPPER, USER: 'tester' };
  const code = await runCli(args, env, { stdin: Readable.from([input]), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

async function chooseNewPin(ext: string, pins: string[]): Promise<string[]> {
  const call = await h.call({ callerNumber: ext });
  await hears(call, 'welcome');
  await call.press(`${DEFAULT_PIN}#`);
  await hears(call, 'must-change-passcode');
  for (const [i, pin] of pins.entries()) {
    await call.press(`${pin}#`);
    await hears(call, 'confirm-passcode', i + 1);
    await call.press(`${pin}#`);
    if (i < pins.length - 1) await hears(call, 'enter-new-passcode', i + 1);
  }
  await hears(call, 'record-name');
  await call.hangup();
  return heard(call);
}

test('a caller choosing a keypad walk hears why and tries again; the CLI prints the reason; off, both are accepted', async () => {
  const first = await h.admin.createUser({ locationId: 'paris', extension: '2601' }, 'test');
  expect(await chooseNewPin('2601', ['147258', '860412'])).toEqual([
    'welcome',
    'must-change-passcode',
    'confirm-passcode',
    'passcode-too-common',
    'enter-new-passcode',
    'confirm-passcode',
    'passcode-changed',
    'record-name',
  ]);
  expect((await h.admin.getUser(first.id))?.mustChange).toBe(false);

  const refused = await cli(['user', 'set-pin', first.id], '159753\n');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe('error: PIN rejected: the PIN is one of the most common PINs (a keypad pattern, a date, or a favourite of attackers)\n');

  const off = await cli(['--json', 'policy', 'set', '--refuse-common-pins', 'off']);
  expect(off.code).toBe(0);
  expect(JSON.parse(off.stdout)).toMatchObject({ policy: { refuseCommonPins: false } });
  expect((await cli(['user', 'set-pin', first.id], '159753\n')).code).toBe(0);
  await h.admin.createUser({ locationId: 'paris', extension: '2602' }, 'test');
  expect(await chooseNewPin('2602', ['147258'])).toEqual(['welcome', 'must-change-passcode', 'confirm-passcode', 'passcode-changed', 'record-name']);

  expect((await cli(['policy', 'set', '--refuse-common-pins', 'on'])).stdout).toMatch(/refuse common PINs: +on$/m);
});
