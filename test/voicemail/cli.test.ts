/** voice-portal-admin: `user messages`, `user remove` with messages, `doctor` (issue step 6 §2, §5). */
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/program';
import { ARI_PASS, ARI_USER, PARIS, PEPPER, startHarness, type Harness } from '../support/portal-harness';

let h: Harness;
let env: Record<string, string>;
beforeAll(async () => {
  h = await startHarness();
  await h.admin.addLocation(PARIS, 'test');
  env = { REDIS_URL: h.redis.url, PIN_PEPPER: PEPPER, ARI_URL: h.double.url, ARI_USERNAME: ARI_USER, ARI_PASSWORD: ARI_PASS, USER: 'tester' };
});
afterAll(async () => {
  await h?.close();
});

async function cli(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(args, { ...env, ...extraEnv }, { stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

let nextExt = 5000;
async function userWithMessages(count: number, opts: { audio?: boolean } = {}): Promise<{ id: string; ids: string[] }> {
  const user = await h.admin.createUser({ locationId: 'paris', extension: String(nextExt++) }, 'test');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = Date.UTC(2026, 3, 1, 9, i);
    const r = await h.app.messages.reserve(user.id, { maxMessages: 100, staleAfterMs: 60_000, now: at });
    if (r.result !== 'ok') throw new Error('full');
    await h.app.messages.commit(user.id, r.messageId, { receivedAt: at, callerNumber: '+33144556677', callerName: 'Bob', durationSec: 7 });
    if (opts.audio !== false) h.double.addStoredRecording(`voice-portal/vm/${user.id}/${r.messageId}`, 7);
    ids.push(r.messageId);
  }
  return { id: user.id, ids };
}

test('user messages lists new then saved, oldest first', async () => {
  const u = await userWithMessages(2);
  await h.app.messages.setStatus(u.id, u.ids[0]!, 'saved');
  const r = await cli(['--json', 'user', 'messages', u.id]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({
    userId: u.id,
    counts: { new: 1, saved: 1 },
    messages: [
      { id: u.ids[1], status: 'new', callerNumber: '+33144556677', callerName: 'Bob', receivedAt: '2026-04-01T09:01:00.000Z', durationSec: 7, recording: `voice-portal/vm/${u.id}/${u.ids[1]}` },
      { id: u.ids[0], status: 'saved', callerNumber: '+33144556677', callerName: 'Bob', receivedAt: '2026-04-01T09:00:00.000Z', durationSec: 7, recording: `voice-portal/vm/${u.id}/${u.ids[0]}` },
    ],
  });
  expect((await cli(['user', 'messages', 'nobody'])).code).toBe(1);
});

test('user remove is refused while the user has messages; --force deletes them and their recordings', async () => {
  const u = await userWithMessages(2);
  const refusedRun = await cli(['user', 'remove', u.id]);
  expect(refusedRun.code).toBe(1);
  expect(refusedRun.stderr).toBe(`error: user ${u.id} has 2 voice message(s): use --force to delete them with the user\n`);
  expect(await h.admin.getUser(u.id)).not.toBeNull();

  const unconfirmed = await cli(['user', 'remove', u.id, '--force']);
  expect(unconfirmed.code).toBe(2);
  expect(unconfirmed.stderr).toMatch(/^error: This removes user .* and deletes their 2 voice message\(s\): confirm with --yes/);
  expect(await h.app.messages.list(u.id)).toHaveLength(2);

  const forced = await cli(['user', 'remove', u.id, '--force', '--yes']);
  expect(forced.code).toBe(0);
  expect(forced.stderr).toBe('');
  expect(await h.admin.getUser(u.id)).toBeNull();
  expect(await h.app.messages.list(u.id)).toEqual([]);
  expect([...h.double.storedRecordings().keys()].filter((n) => n.includes(`/vm/${u.id}/`))).toEqual([]);

  // Without ARI settings the recordings stay, and the operator is told to run doctor.
  const v = await userWithMessages(1);
  const noAri = await cli(['user', 'remove', v.id, '--force', '-y'], { ARI_URL: undefined });
  expect(noAri.code).toBe(0);
  expect(noAri.stderr).toMatch(/^warning: 1 message recording\(s\) of .* left in Asterisk .*doctor --fix/);
  expect(h.double.storedRecordings().has(`voice-portal/vm/${v.id}/${v.ids[0]}`)).toBe(true);
  h.double.removeStoredRecording(`voice-portal/vm/${v.id}/${v.ids[0]}`);

  // A user without messages is removed as before.
  const w = await h.admin.createUser({ locationId: 'paris', extension: String(nextExt++) }, 'test');
  expect((await cli(['user', 'remove', w.id])).code).toBe(0);
});

test('doctor finds and --fix cleans orphan recordings and messages without recordings', async () => {
  const clean = await doctorJson();
  expect(clean.code).toBe(0);
  expect(clean.doc).toMatchObject({ orphanRecordings: [], missingRecordings: [], problems: 0, fixed: false });

  const lost = await userWithMessages(2, { audio: false });
  const orphan = 'voice-portal/vm/ghost/m0rphan-0123abcd';
  h.double.addStoredRecording(orphan, 3);
  // A deposit in progress: reserved in Redis, recording already in Asterisk. Not an orphan.
  const owner = await h.admin.createUser({ locationId: 'paris', extension: String(nextExt++) }, 'test');
  const pending = await h.app.messages.reserve(owner.id, { maxMessages: 100, staleAfterMs: 600_000 });
  if (pending.result !== 'ok') throw new Error('full');
  h.double.addStoredRecording(`voice-portal/vm/${owner.id}/${pending.messageId}`, 1);

  const found = await doctorJson();
  expect(found.code).toBe(1);
  expect(found.doc).toMatchObject({
    orphanRecordings: [orphan],
    missingRecordings: lost.ids.map((messageId) => ({ userId: lost.id, messageId, recording: `voice-portal/vm/${lost.id}/${messageId}` })),
    problems: 3,
    fixed: false,
  });

  const fixed = await doctorJson('--fix');
  expect(fixed.code).toBe(0);
  expect(fixed.doc).toMatchObject({ problems: 3, fixed: true });
  expect(h.double.storedRecordings().has(orphan)).toBe(false);
  expect(h.double.storedRecordings().has(`voice-portal/vm/${owner.id}/${pending.messageId}`)).toBe(true);
  expect(await h.app.messages.list(lost.id)).toEqual([]);
  const lostUser = await h.admin.getUser(lost.id);
  expect(h.double.mailboxes().get(`${lostUser!.extension}@voice-portal`)).toEqual({ oldMessages: 0, newMessages: 0 });

  expect((await doctorJson()).doc).toMatchObject({ problems: 0 });
  const noAri = await cli(['doctor'], { ARI_URL: undefined });
  expect(noAri.code).toBe(2);
});

async function doctorJson(...extra: string[]): Promise<{ code: number; doc: Record<string, unknown> }> {
  const r = await cli(['--json', 'doctor', ...extra]);
  return { code: r.code, doc: JSON.parse(r.stdout) as Record<string, unknown> };
}
