/**
 * Issue #16: `voice-portal-admin import app-voicemail`, run as a child process against an
 * app_voicemail tree written the way app_voicemail writes it (fixture.ts: 50 mailboxes in
 * every voicemail.conf syntax, messages in several folders), then the portal: an imported
 * user logs in with their old PIN from their own phone, hears the imported counts and
 * listens to a message. Dry run first, then the import, then again (nothing changes).
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { wavDurationSec } from '../../src/import/envelope';
import { readFileSync } from 'node:fs';
import { prepareCli, spawnAdmin, type PreparedCli, type RunResult } from '../cli/support';
import { ARI_PASS, ARI_USER, ended, heard, hears, PARIS, PEPPER, startHarness, type Harness } from '../support/portal-harness';
import { writeFixture, type Fixture } from './fixture';

let h: Harness;
let cli: PreparedCli;
let fx: Fixture;

/** The CLI as a child process, without blocking this process: the ARI double answers it from here. */
function run(args: string[], opts: { env: Record<string, string>; timeoutMs: number }): Promise<RunResult> {
  const started = Date.now();
  const child = spawnAdmin(cli, h.redis.url, args, opts.env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin?.end();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

beforeAll(async () => {
  cli = prepareCli();
  fx = writeFixture();
  h = await startHarness();
  await h.admin.addLocation(PARIS, 'test');
}, 120_000);

afterAll(async () => {
  await h?.close();
  cli?.cleanup();
  if (fx) rmSync(fx.root, { recursive: true, force: true });
});

function importArgs(...extra: string[]): string[] {
  return ['import', 'app-voicemail', '--conf', fx.conf, '--spool', fx.spool, '--context', 'default', '--location', 'paris', '--recordings-dir', fx.recordings, ...extra];
}

const env = (): Record<string, string> => ({ PIN_PEPPER: PEPPER, ARI_URL: h.double.url, ARI_USERNAME: ARI_USER, ARI_PASSWORD: ARI_PASS });

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

interface Summary {
  mailboxes: number;
  usersCreated: number;
  usersAlreadyThere: number;
  mailboxesSkipped: number;
  pinsKept: number;
  pinsMustChange: number;
  pinsNone: number;
  names: number;
  greetings: number;
  messagesNew: number;
  messagesSaved: number;
  messagesAlreadyThere: number;
  lampsLit: number;
  warnings: string[];
}

const totals = (): { new: number; saved: number } =>
  Object.values(fx.messages).reduce((a, m) => ({ new: a.new + m.new, saved: a.saved + m.saved }), { new: 0, saved: 0 });

test('dry run: the summary of what would be done, and nothing written', async () => {
  const r = await run(importArgs('--dry-run'), { env: env(), timeoutMs: 60_000 });
  expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Dry run: nothing was changed.');
  expect(r.stdout).toMatch(/would be users created\s+50\b/);
  expect(r.stdout).toMatch(/PINs to change at the first call\s+3\b/);
  expect(r.stdout).toMatch(/users without a PIN\s+1\b/);
  expect(r.stdout).toMatch(/mailboxes skipped\s+1\b/);
  expect(await h.admin.listUsers()).toEqual([]);
  expect(filesUnder(fx.recordings)).toEqual([]);
  for (const pin of Object.values(fx.pins)) expect(r.stdout).not.toContain(pin);
});

test('import: users, PINs, names, greetings, messages and lamps; a second run changes nothing', async () => {
  const first = await run(importArgs('--json'), { env: env(), timeoutMs: 90_000 });
  expect(first.code).toBe(0);
  const { summary } = JSON.parse(first.stdout) as { summary: Summary };
  const t = totals();
  expect(summary).toMatchObject({
    mailboxes: 51,
    usersCreated: 50,
    usersAlreadyThere: 0,
    mailboxesSkipped: 1,
    pinsKept: 46,
    pinsMustChange: 3,
    pinsNone: 1,
    names: 1,
    greetings: 2,
    messagesNew: t.new,
    messagesSaved: t.saved,
    messagesAlreadyThere: 0,
  });
  expect({ lampsLit: summary.lampsLit, notes: (JSON.parse(first.stdout) as { notes: string[] }).notes }).toEqual({ lampsLit: Object.keys(fx.messages).length, notes: [] });
  expect(summary.warnings).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/mailbox abc: .*skipped/),
      expect.stringMatching(/1005: e-mail "not an address" is not an address/),
      expect.stringMatching(/default\/1001\/INBOX\/msg0001: no \.txt envelope/),
      expect.stringMatching(/default\/1004\/INBOX\/msg0001: envelope without audio/),
      expect.stringMatching(/1004: the temporary greeting/),
    ]),
  );
  for (const pin of Object.values(fx.pins)) expect(first.stdout).not.toContain(pin);

  const users = await h.admin.listUsers();
  expect(users.map((u) => u.id)).toEqual(Array.from({ length: 50 }, (_, i) => String(1001 + i)));
  expect(users.some((u) => u.id === '2999' || u.id === '2001')).toBe(false);
  const zoe = await h.admin.getUser('1001');
  expect(zoe).toMatchObject({
    extension: '1001',
    locationId: 'paris',
    displayName: 'Zoé Dupré', // latin-1 in voicemail.conf
    email: 'zoe.dupre@example.com',
    emailMessages: 'attach',
    language: 'fr',
    hasPin: true,
    mustChange: false,
    mustRecordName: false, // greet.wav was imported
  });
  expect(await h.admin.getUser('1004')).toMatchObject({ displayName: 'Bob Smith', email: 'bob@example.com', emailMessages: 'notify', language: 'en' });
  expect(await h.admin.getUser('1021')).toMatchObject({ emailMessages: 'attach-delete', mustChange: false });
  expect(await h.admin.getUser('1031')).toMatchObject({ displayName: 'Person 1031 ; Co' });
  expect(await h.admin.getUser('1003')).toMatchObject({ displayName: 'Too Simple', mustChange: true, hasPin: true });
  for (const id of fx.mustChange) expect(await h.admin.getUser(id)).toMatchObject({ mustChange: true });
  expect(await h.admin.getUser('1020')).toMatchObject({ hasPin: false });
  expect((await h.admin.getUser('1006'))?.email).toBe('person1006@example.com'); // CRLF line

  const zoeMessages = await h.app.messages.list('1001');
  expect(zoeMessages.map((m) => m.status)).toEqual(['new', 'new', 'saved', 'saved']);
  expect(zoeMessages[0]).toMatchObject({ callerNumber: '0612345678', callerName: 'Gérard Lefèvre', receivedAt: fx.firstNewTime * 1000, durationSec: 3 });
  expect(zoeMessages[1]).toMatchObject({ callerNumber: '', callerName: '', durationSec: 2 }); // no envelope: length from the WAV
  expect(await h.app.messages.counts('1030')).toEqual({ newMessages: 1, oldMessages: 0 }); // Urgent is new
  expect(h.double.mailboxes().get('1001@voice-portal')).toEqual({ newMessages: 2, oldMessages: 2 });
  expect(h.double.mailboxes().get('1004@voice-portal')).toEqual({ newMessages: 1, oldMessages: 1 });

  const files = filesUnder(fx.recordings);
  expect(files).toEqual(
    expect.arrayContaining([
      'voice-portal/names/1001.wav',
      'voice-portal/greetings/1001/busy.wav',
      'voice-portal/greetings/1001/unavailable.wav',
      `voice-portal/vm/1001/${zoeMessages[0]!.id}.wav`,
      `voice-portal/vm/1001/${zoeMessages[0]!.id}.gsm`,
    ]),
  );
  expect(files.filter((f) => f.startsWith('voice-portal/vm/'))).toHaveLength(t.new + t.saved + 1); // + the gsm copy

  // Idempotent.
  const listsBefore = JSON.stringify(await Promise.all(users.map((u) => h.app.messages.list(u.id))));
  const second = await run(importArgs('--json'), { env: env(), timeoutMs: 90_000 });
  expect(second.code).toBe(0);
  expect((JSON.parse(second.stdout) as { summary: Summary }).summary).toMatchObject({
    usersCreated: 0,
    usersAlreadyThere: 50,
    names: 0,
    greetings: 0,
    messagesNew: 0,
    messagesSaved: 0,
    messagesAlreadyThere: t.new + t.saved,
  });
  expect(JSON.stringify(await Promise.all(users.map((u) => h.app.messages.list(u.id))))).toBe(listsBefore);
  expect(filesUnder(fx.recordings)).toEqual(files);
  const audit = await h.admin.readAudit({ locationId: 'paris', limit: 500 });
  expect(audit.filter((e) => e.type === 'user-created' && e.outcome === 'imported')).toHaveLength(50);
  expect(audit.filter((e) => e.type === 'users-imported')).toHaveLength(2);
});

test('then the portal: own phone, the imported PIN, the imported counts, one message played', async () => {
  // Asterisk's stored recordings are the files of its recordings directory: show the double the imported ones.
  for (const file of filesUnder(fx.recordings)) {
    const dot = file.lastIndexOf('.');
    const seconds = file.endsWith('.wav') ? (wavDurationSec(readFileSync(join(fx.recordings, file))) ?? 1) : 1;
    h.double.addStoredRecording(file.slice(0, dot), seconds, file.slice(dot + 1));
  }
  const [first] = await h.app.messages.list('1001');
  const call = await h.double.placeCall({ callerNumber: '1001', extension: '8000', args: ['portal', 'paris', 'internal'] });
  await hears(call, 'welcome');
  await call.press(`${fx.pins['1001']}#`);
  await hears(call, 'main-menu');
  await call.press('1');
  await hears(call, 'message-menu');
  await call.hangup();
  await ended(call);
  expect(heard(call)).toEqual(
    expect.arrayContaining(['welcome', 'you-have', 'number:2', 'new-messages', 'and', 'number:2', 'saved-messages', 'main-menu', `recording:voice-portal/vm/1001/${first!.id}`]),
  );
  const sequence = heard(call);
  expect(sequence.slice(0, 8)).toEqual(['welcome', 'you-have', 'number:2', 'new-messages', 'and', 'number:2', 'saved-messages', 'main-menu']);
  expect(sequence.indexOf(`recording:voice-portal/vm/1001/${first!.id}`)).toBeGreaterThan(7);
});
