/**
 * Output through pipes, as scripts use the CLI: a large `--json` document read by a slow
 * reader arrives whole, and a reader that stops early (`| head`) ends the CLI quietly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { startTestRedis, type TestRedis } from '../support/redis';
import { baseEnv, prepareCli, type PreparedCli } from './support';

let cli: PreparedCli;
let redis: TestRedis;
let dir: string;
const EVENTS = 6000;

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis();
  dir = mkdtempSync(join(tmpdir(), 'cli-pipes-'));
  // Enough administrative events for a --json document of well over 1 MB.
  const client = new Redis(redis.url);
  const pipeline = client.pipeline();
  for (let i = 0; i < EVENTS; i++) {
    pipeline.xadd('vp:audit', '*', 'time', String(Date.now()), 'type', 'user-reset', 'actor', `operator-${i}`, 'userId', `user-${i}`, 'outcome', 'ok', 'detail', 'x'.repeat(120));
  }
  await pipeline.exec();
  client.disconnect();
});

afterAll(async () => {
  await redis?.stop();
  cli?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run a bash pipeline whose first command is the CLI (`$ADMIN`); returns its statuses. */
function pipeline(script: string): { stdout: string; stderr: string; statuses: number[] } {
  const env = { ...baseEnv(redis.url), ADMIN: `${process.execPath} ${cli.main}` };
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const run = spawnSync('bash', ['-c', `${script}; echo "statuses \${PIPESTATUS[*]}" >&2`], { cwd: cli.cwd, env: clean, encoding: 'utf8', timeout: 60_000 });
  const match = /statuses ([\d ]+)\n?$/.exec(run.stderr);
  if (!match) throw new Error(`no statuses: ${run.stderr}`);
  return { stdout: run.stdout, stderr: run.stderr.slice(0, match.index), statuses: match[1].trim().split(' ').map(Number) };
}

test('a large --json document piped through a slow reader arrives whole', () => {
  const file = join(dir, 'audit.json');
  const toFile = pipeline(`$ADMIN audit --json --limit 100000 > ${file}`);
  expect(toFile.statuses).toEqual([0]);
  const size = statSync(file).size;
  expect(size).toBeGreaterThan(1_000_000);

  // The reader takes nothing for a while (the pipe fills at 64 KiB), then reads slowly.
  const slow = pipeline(`$ADMIN audit --json --limit 100000 | (sleep 1; while IFS= read -r -n 65536 -d '' chunk || [ -n "$chunk" ]; do printf %s "$chunk"; sleep 0.05; done) | wc -c`);
  expect(slow.statuses).toEqual([0, 0, 0]);
  expect(Number(slow.stdout.trim())).toBe(size);
  expect(slow.stderr).toBe('');

  const parsed = pipeline(`$ADMIN audit --json --limit 100000 | (sleep 0.5; cat) | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).events.length))"`);
  expect(parsed.statuses).toEqual([0, 0, 0]);
  expect(Number(parsed.stdout.trim())).toBe(EVENTS);
});

test('text output piped through a slow reader arrives whole too', () => {
  const file = join(dir, 'audit.txt');
  expect(pipeline(`$ADMIN audit --limit 100000 > ${file}`).statuses).toEqual([0]);
  const slow = pipeline(`$ADMIN audit --limit 100000 | (sleep 1; cat) | wc -c`);
  expect(slow.statuses).toEqual([0, 0, 0]);
  expect(Number(slow.stdout.trim())).toBe(statSync(file).size);
});

test.each([
  ['audit --help | head -3', (out: string) => out.replace(/\n$/, '').split('\n').length === 3],
  ['audit --json --limit 100000 | head -c 100', (out: string) => out.length === 100 && out.startsWith('{')],
  ['audit --limit 100000 | head -1', (out: string) => out.split('\n').length === 2],
])('a reader that stops early ends the CLI quietly: %s', (command, readerGotWhatItAskedFor) => {
  const run = pipeline(`$ADMIN ${command}`);
  expect(run.stderr).toBe('');
  expect(run.statuses).toEqual([0, 0]);
  expect(readerGotWhatItAskedFor(run.stdout)).toBe(true);
});
