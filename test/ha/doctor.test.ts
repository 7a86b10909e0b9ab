/**
 * `doctor` with several Asterisk servers (issue #14, ARI_SERVERS): a server that does not see
 * a message recording another server stored is reported (the servers do not share their
 * recording directory), and `--fix` does not pretend to solve it.
 */
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { AsteriskDouble } from '../double';
import { ARI_PASS, ARI_USER, PARIS, PEPPER, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
let other: AsteriskDouble;
let env: Record<string, string>;
beforeAll(async () => {
  h = await startHarness();
  other = await AsteriskDouble.start({ username: ARI_USER, password: ARI_PASS, timeScale: 0.05 });
  await h.admin.addLocation(PARIS, 'test');
  env = {
    REDIS_URL: h.redis.url,
    PIN_PEPPER: PEPPER,
    ARI_SERVERS: `a=${h.double.url},b=${other.url}`,
    ARI_USERNAME: ARI_USER,
    ARI_PASSWORD: ARI_PASS,
    USER: 'tester',
  };
});
afterAll(async () => {
  await other?.close();
  await h?.close();
});

async function cli(args: string[], withEnv: Record<string, string> = env): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(args, withEnv, { stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

test('a recording stored through a that b does not see is reported per server; once b sees it, everything agrees', async () => {
  const user = await h.admin.createUser({ locationId: 'paris', extension: '6001' }, 'test');
  const r = await h.app.messages.reserve(user.id, { maxMessages: 100, staleAfterMs: 60_000, now: Date.UTC(2026, 3, 1) });
  if (r.result !== 'ok') throw new Error('full');
  await h.app.messages.commit(user.id, r.messageId, { receivedAt: Date.UTC(2026, 3, 1), callerNumber: '+33144556677', callerName: '', durationSec: 4 });
  const recording = `voice-portal/vm/${user.id}/${r.messageId}`;
  h.double.addStoredRecording(recording, 4); // on server a only: no shared spool

  const report = await cli(['doctor']);
  expect(report.code).toBe(1);
  expect(report.stdout).toBe(
    '1 message(s) in Redis, 1 message recording(s) over 2 Asterisk servers (a: 1, b: 0).\n' +
      `server b does not see recording ${recording} (stored through a): share the recording directory between the servers\n`,
  );
  expect(report.stderr).toBe('error: 1 recording(s) not seen by every Asterisk server; see README "High availability"\n');

  // --fix does not delete a message that one server can play.
  const fix = await cli(['--json', 'doctor', '--fix']);
  expect(fix.code).toBe(1);
  expect(JSON.parse(fix.stdout)).toMatchObject({ missingRecordings: [], orphanRecordings: [], unseen: [{ server: 'b', recording, seenBy: ['a'] }], problems: 1, fixed: false });
  expect(await h.app.messages.list(user.id)).toHaveLength(1);

  other.addStoredRecording(recording, 4);
  const clean = await cli(['doctor']);
  expect(clean).toEqual({ code: 0, stdout: '1 message(s) in Redis, 1 message recording(s) over 2 Asterisk servers (a: 1, b: 1).\nEverything agrees.\n', stderr: '' });
});

test('a server written with ARI\'s own /ari is the same server; another path is a usage error naming it', async () => {
  const withAri = await cli(['doctor'], { ...env, ARI_SERVERS: `a=${h.double.url}/ari,b=${other.url}/ari/` });
  expect(withAri).toMatchObject({ code: 0, stderr: '' });
  expect(withAri.stdout).toMatch(/over 2 Asterisk servers/);
  const prefixed = await cli(['doctor'], { ...env, ARI_SERVERS: `a=${h.double.url}/asterisk,b=${other.url}` });
  expect(prefixed.code).toBe(2);
  expect(prefixed.stderr).toMatch(/ARI_SERVERS \(a\): a path \(\/asterisk\) is not supported/);
  const single = await cli(['doctor'], { REDIS_URL: h.redis.url, PIN_PEPPER: PEPPER, ARI_URL: `${h.double.url}/ari`, ARI_USERNAME: ARI_USER, ARI_PASSWORD: ARI_PASS, USER: 'tester' });
  expect(single).toMatchObject({ code: 0, stderr: '' });
});

test('--fix corrects the lamps of a user whose message lost its audio on every server that shows them (MWI_SERVERS)', async () => {
  const lostOne = async (ext: string): Promise<string> => {
    const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
    const r = await h.app.messages.reserve(user.id, { maxMessages: 100, staleAfterMs: 60_000, now: Date.UTC(2026, 3, 1) });
    if (r.result !== 'ok') throw new Error('full');
    await h.app.messages.commit(user.id, r.messageId, { receivedAt: Date.UTC(2026, 3, 1), callerNumber: '+33144556677', callerName: '', durationSec: 4 });
    return user.id; // no recording on any server: the message's audio is lost
  };
  const lampOn = (double: AsteriskDouble, ext: string) => double.mailboxes().get(`${ext}@voice-portal`);

  await lostOne('6101');
  expect(await cli(['doctor', '--fix'])).toMatchObject({ code: 0 });
  expect(lampOn(h.double, '6101')).toEqual({ oldMessages: 0, newMessages: 0 });
  expect(lampOn(other, '6101')).toEqual({ oldMessages: 0, newMessages: 0 });

  await lostOne('6102');
  expect(await cli(['doctor', '--fix'], { ...env, MWI_SERVERS: 'paris=b' })).toMatchObject({ code: 0 });
  expect(lampOn(other, '6102')).toEqual({ oldMessages: 0, newMessages: 0 });
  expect(lampOn(h.double, '6102')).toBeUndefined();

  const third = await lostOne('6103');
  const wrong = await cli(['doctor', '--fix'], { ...env, MWI_SERVERS: 'paris=c' });
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/MWI_SERVERS: "c" is not a server of ARI_SERVERS/);
  expect(await h.app.messages.list(third)).toHaveLength(1); // nothing repaired on a usage error
});
