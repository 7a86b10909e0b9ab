/**
 * CI smoke of `npm run bench -- compare`: its few-seconds mode (`--smoke`) runs the whole
 * machinery (Redis, the double, the portal, the floor and floor+hash each in a process of its
 * own, every phase at a tiny size) and must exit 0 and write a JSON report and an SVG chart that parse.
 * No figure is asserted: performance targets live in the benchmark, never in a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
let out: string;
let bench: ChildProcess | undefined;

beforeAll(() => {
  out = mkdtempSync(path.join(os.tmpdir(), 'compare-smoke-'));
});
afterAll(async () => {
  // A test that timed out must not leave the benchmark running: SIGTERM makes it stop its
  // measured processes and its Redis before it exits.
  if (bench && bench.exitCode === null && bench.signalCode === null) {
    const gone = new Promise((resolve) => bench?.once('exit', resolve));
    bench.kill('SIGTERM');
    await gone;
  }
  rmSync(out, { recursive: true, force: true });
});

function runSmoke(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = (bench = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), 'bench/run.ts', 'compare', '--smoke', '--out', out], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every tag opened is closed, in order (enough to catch a truncated or mangled file). */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name as string);
  }
  return stack.length === 0;
}

test('compare --smoke completes and writes a JSON report and an SVG chart', async () => {
  const { code, stdout, stderr } = await runSmoke();
  expect({ code, stderr: code === 0 ? '' : stderr, tail: code === 0 ? '' : stdout.slice(-2000) }).toEqual({ code: 0, stderr: '', tail: '' });
  expect(stdout).toContain('Targets (issue #12)');

  const files = readdirSync(out).sort();
  expect(files).toHaveLength(2);
  const [jsonFile, svgFile] = files as [string, string];
  expect(jsonFile).toMatch(/^compare-.*\.json$/);
  expect(svgFile).toBe(jsonFile.replace(/\.json$/, '.svg'));

  const report = JSON.parse(readFileSync(path.join(out, jsonFile), 'utf8')) as {
    valid: boolean;
    smoke: boolean;
    ramp: { subject: string; calls: number; ok: number; cpuMsPerCall: number; poolCpuMsPerCall: number; redisCommandsPerCall: number }[];
    rate: unknown[];
    pool: unknown[];
    soak: { calls: number; samples: unknown[] };
    targets: { name: string; checked: boolean }[];
  };
  expect(report.smoke).toBe(true);
  expect(report.valid).toBe(true);
  expect(new Set(report.ramp.map((r) => r.subject))).toEqual(new Set(['portal', 'floor', 'floor+hash']));
  for (const run of report.ramp) {
    expect(run.ok).toBe(run.calls);
    expect(run.cpuMsPerCall).toBeGreaterThan(0);
    // The floors have no Redis; every portal login reads and writes it.
    if (run.subject !== 'portal') expect(run.redisCommandsPerCall).toBe(0);
    else expect(run.redisCommandsPerCall).toBeGreaterThan(0);
    // The probe finds libuv's pool: the PIN hash runs there, and the plain floor has none.
    if (run.subject === 'floor') expect(run.poolCpuMsPerCall).toBe(0);
    else expect(run.poolCpuMsPerCall).toBeGreaterThan(0);
  }
  expect(report.rate).toHaveLength(2);
  expect(report.pool.length).toBeGreaterThan(0);
  expect(report.soak.samples.length).toBeGreaterThan(2);
  expect(report.targets.length).toBeGreaterThan(0);

  const svg = readFileSync(path.join(out, svgFile), 'utf8');
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(wellFormed(svg)).toBe(true);
  expect(svg.match(/<polyline /g)?.length ?? 0).toBeGreaterThanOrEqual(4);
}, 240_000);
