/**
 * `npm run demo -- --script demo/scenario-1.txt` as a user runs it (the same command line,
 * through ts-node), at 20× speed: the transcript shows the first-call scenario (new PIN, name,
 * menu, then the new PIN on a second call) and no PIN but the default one the demo announces; an exported REDIS_URL is ignored and left untouched.
 */
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { LampWatcher } from '../../demo/dial';
import { runScriptedCall } from '../../demo/run-script';
import { parseScript, ScriptError } from '../../demo/script';
import { startDemo } from '../../demo/setup';
import { startTestRedis, type TestRedis } from '../support/redis';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
/** The demo writes its log file to the temporary directory: one of ours, removed at the end. */
const TMP = mkdtempSync(path.join(tmpdir(), 'vp-demo-test-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** A Redis holding someone's data, exported as REDIS_URL: the demo must not touch it. */
let outside: TestRedis;
let outsideClient: Redis;
beforeAll(async () => {
  outside = await startTestRedis({ restartable: true });
  outsideClient = new Redis(outside.url, { lazyConnect: true });
  await outsideClient.connect();
  await outsideClient.set('someone:data', 'keep me');
  await outsideClient.hset('vp:org', 'defaultPin', 'not-the-demo-s');
});
afterAll(async () => {
  await outsideClient.quit();
  await outside.stop();
});

/** Every key with its type and serialised value. */
async function dump(client: Redis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await client.keys('*')).sort()) out[key] = `${await client.type(key)} ${(await client.dumpBuffer(key))?.toString('hex')}`;
  return out;
}

function runDemo(args: string[], timeoutMs = 60_000, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: TMP, ...extraEnv };
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'demo/main.ts', ...args], { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not finish; stdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Each pattern must match a line after the line the previous one matched. */
function expectInOrder(lines: string[], patterns: RegExp[]): void {
  let from = 0;
  for (const pattern of patterns) {
    const i = lines.findIndex((l, idx) => idx >= from && pattern.test(l));
    if (i < 0) throw new Error(`no line matching ${pattern} after line ${from}:\n${lines.slice(from).join('\n')}`);
    from = i + 1;
  }
}

test('scenario 1: first call changes the default PIN and records the name; second call goes straight to the menu', async () => {
  const before = await dump(outsideClient);
  const run = await runDemo(['--script', 'demo/scenario-1.txt', '--speed', '20', '--no-audio'], 60_000, { REDIS_URL: outside.url });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  // The exported REDIS_URL was ignored (and said so), its data left exactly as it was.
  expect(run.stdout).toMatch(/^REDIS_URL is ignored: the demo uses a private Redis of its own/m);
  expect(await dump(outsideClient)).toEqual(before);
  // The log file is removed at the end (no --keep-log).
  expect(readdirSync(TMP).filter((f) => f.startsWith('voice-portal-demo-'))).toEqual([]);
  const lines = run.stdout.split('\n');
  const announced = /default PIN: (\d{6}) /.exec(run.stdout);
  expect(announced).not.toBeNull();
  const defaultPin = announced![1];

  const call2 = lines.findIndex((l) => /── call 2 .*1001 dials 8000/.test(l));
  expect(call2).toBeGreaterThan(0);
  const first = lines.slice(0, call2);
  const second = lines.slice(call2);
  expectInOrder(first, [
    /── call 1 .*1001 dials 8000/,
    /portal: "Welcome to your voice portal\. Enter your passcode.*\[welcome\]/,
    /caller: presses ••••••#$/,
    /portal: "Before you can use your voice portal, you must change your passcode.*\[must-change-passcode\]/,
    /caller: presses ••••••#$/,
    /\[confirm-passcode\]/,
    /caller: presses ••••••#$/,
    /\[passcode-changed\]/,
    /\[record-name\]/,
    /portal: \(beep\)$/,
    /portal: recording… \(voice-portal\/drafts\/[0-9a-f]{16}\)/, // the name, as a draft until kept
    /caller: speaks for 2 s/,
    /caller: presses #$/,
    /recording ended after 2 s \(# pressed\)/,
    /\[recording-options\]/,
    /caller: presses 1$/,
    /\[name-saved\]/,
    /\[main-menu\]/,
    /caller: presses 9$/,
    /"Goodbye\." \[goodbye\]/,
    /call ended: the portal hung up/,
  ]);
  expectInOrder(second, [/\[welcome\]/, /caller: presses ••••••#$/, /\[main-menu\]/, /caller: presses 9$/, /\[goodbye\]/, /call ended: the portal hung up/]);
  // Call 2 never hears the first-login prompts: the change and the name were kept.
  expect(second.join('\n')).not.toMatch(/must-change-passcode|record-name|SCRIPT FAILED/);
  expect(run.stdout).toContain('All 2 scripted calls went as written.');
  // The only PIN printed is the announced default; the typed ones never appear.
  expect(run.stdout.split(defaultPin)).toHaveLength(2);
  expect(run.stdout).not.toContain('860412');
});

test('a script step that cannot happen fails the run with a clear line', async () => {
  const run = await runDemo(['--script', path.join(__dirname, 'fixtures', 'wrong-prompt.txt'), '--speed', '20', '--no-audio']);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/SCRIPT FAILED: (timed out waiting for the prompt main-menu|the call ended while waiting for the prompt main-menu)/);
});

test('a script with a bad step is refused before anything starts (exit 2)', async () => {
  const run = await runDemo(['--script', path.join(__dirname, 'fixtures', 'bad-step.txt')], 20_000);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe('demo: line 2: unknown step "x9"\n');
  expect(run.stdout).toBe('');
});

test('w:<unknown prompt id> is refused by the check that runs before any call (exit 2 above)', () => {
  expect(() => parseScript('# a typo\n1001 8000 w:welcome p800 1# w:main-mneu 9\n', '000000')).toThrow(
    new ScriptError('line 2: unknown prompt "main-mneu" in "w:main-mneu" (prompt ids: sounds/catalog.json)'),
  );
  expect(parseScript('1001 8000 w:main-menu w:sound:beep 9', '000000')[0].steps).toEqual([
    { kind: 'wait-prompt', prompt: 'main-menu' },
    { kind: 'wait-prompt', prompt: 'sound:beep' },
    { kind: 'keys', keys: '9' },
  ]);
  // $default is the demo's own default PIN: with --redis-url there is none.
  expect(() => parseScript('1001 8000 w:welcome $default#', undefined)).toThrow(/\$default is the demo's own default PIN/);
});

/**
 * A scenario file run as `npm run demo -- --script <file> --speed 20` runs it (same modules),
 * in this process: a spawned demo costs a ts-node start-up per scenario.
 */
async function runScenario(file: string): Promise<{ ok: boolean; lines: string[]; defaultPin: string }> {
  const timeScale = 1 / 20;
  const demo = await startDemo({ timeScale, portalTimingScale: timeScale });
  const lines: string[] = [];
  const write = (line: string): void => {
    lines.push(line);
  };
  let ok = true;
  try {
    const lamps = new LampWatcher(demo.double);
    const calls = parseScript(readFileSync(path.join(REPO, file), 'utf8'), demo.defaultPin);
    for (const [i, call] of calls.entries()) if (!(await runScriptedCall(demo.double, call, i + 1, { timeScale, write, dialplan: demo, lamps }))) ok = false;
  } finally {
    await demo.close();
  }
  return { ok, lines, defaultPin: demo.defaultPin! };
}

test('scenario voicemail: an unanswered extension rings, takes a message, the lamp goes on; listened to and deleted, off', async () => {
  const run = await runScenario('demo/scenario-voicemail.txt');
  expect(run.ok).toBe(true);
  expectInOrder(run.lines, [
    /── call 1 .*1002 dials 1001/,
    /^ringing… \(extension 1001 does not answer/,
    /\[default-greeting-extension\]/,
    /\[is-unavailable\]/,
    /\[leave-message-after-tone\]/,
    /portal: \(beep\)$/,
    /portal: recording… \(voice-portal\/vm\/alice\//,
    /caller: speaks for 3 s/,
    /recording ended after 3 s \(# pressed\)/,
    /lamp 1001: on \(1 new\)$/,
    /── call 2 .*1001 dials 8000/,
    /\[you-have\]/,
    /portal: \(the number 1\)/,
    /\[new-messages\]/,
    /\[main-menu\]/,
    /caller: presses 1$/,
    /portal: \(the recording voice-portal\/vm\/alice\//,
    /\[message-menu\]/,
    /caller: presses 7$/,
    /\[message-deleted\]/,
    /\[goodbye\]/,
  ]);
  // Listened to, the message is a saved one (lamp off, 1 saved); deleted, none is left. A
  // lamp's PUT races with the prompt that follows, so lamps are placed against the keys only.
  expectInOrder(run.lines, [/portal: \(the recording voice-portal\/vm\/alice\//, /lamp 1001: off \(1 saved\)$/, /lamp 1001: off$/]);
  expectInOrder(run.lines, [/\[message-menu\]/, /caller: presses 7$/, /lamp 1001: off$/]);
  const text = run.lines.join('\n');
  expect(text).not.toContain('860412');
  expect(text).not.toContain(run.defaultPin);
  expect(text).not.toMatch(/lamp 1002|service-unavailable|SCRIPT FAILED/);
});

test('scenario lockout: four wrong PINs from another phone lock the mailbox, even for its owner', async () => {
  const run = await runScenario('demo/scenario-lockout.txt');
  expect(run.ok).toBe(true);
  const calls = run.lines.join('\n').split(/── call \d+ /).slice(1);
  expect(calls).toHaveLength(3);
  expect(calls[0].match(/\[invalid-passcode\]/g)).toHaveLength(3);
  expect(calls[0]).not.toContain('[locked]');
  expect(calls[1]).toMatch(/\[enter-passcode\][\s\S]*\[locked\]/);
  expect(calls[2]).toMatch(/1001 dials 8000[\s\S]*\[welcome\][\s\S]*caller: presses ••••••#[\s\S]*\[locked\]/);
  expect(calls[2]).not.toContain('[main-menu]');
  const text = run.lines.join('\n');
  for (const wrong of ['111111', '222222', '333333', '444444', run.defaultPin]) expect(text).not.toContain(wrong);
});
