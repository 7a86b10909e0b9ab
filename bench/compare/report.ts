/** The stdout table of a compare run. */
import { COMMAND_TIMEOUT_MS } from '../../src/store/connection';
import type { RunResult } from './measure';
import { hashCostAt, runOf, type CompareResults } from './targets';

const n1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '-');
const n2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function failures(r: RunResult): string {
  const failed = r.calls - r.ok;
  return failed === 0 ? `${r.ok}` : `${r.ok} (${failed} failed)`;
}

function runRow(label: string, r: RunResult): string[] {
  return [
    label,
    failures(r),
    String(r.peakActive),
    n2(r.cpuMsPerCall),
    n2(r.loopThreadCpuMsPerCall ?? Number.NaN),
    n2(r.poolCpuMsPerCall ?? Number.NaN),
    r.subject === 'portal' ? n1(r.redisCommandsPerCall ?? Number.NaN) : '-',
    n1(r.rssPerActiveCallKB),
    `${n2(r.responseOther.p50)}/${n2(r.responseOther.p99)}/${n2(r.responseOther.max)}`,
    `${n1(r.responseHash.p50)}/${n1(r.responseHash.p99)}/${n1(r.responseHash.max)}`,
    n1(r.loopP99Ms),
    String(r.errorLines),
    n1(r.callersLoopP99Ms),
    Number.isFinite(r.httpSessionsPeak) ? String(r.httpSessionsPeak) : '-',
  ];
}

const HEADER = ['run', 'ok calls', 'at once', 'CPU ms/call', 'main thread', 'pool', 'Redis cmd/call', 'RSS kB/call', 'no-hash p50/p99/max ms', '# (hash) p50/p99/max ms', 'loop p99', 'errors', 'callers loop p99', 'HTTP sessions'];

/**
 * Why calls failed, run by run: the step the callers did not get past, the process's error
 * lines by message and cause, and, when its event loop stalled longer than the store's Redis
 * command timeout, that the likeliest cause is the machine (a reply that arrived but could
 * not be read in time is a timeout all the same), not Redis or the application's logic.
 */
function printFailures(r: CompareResults): void {
  const runs: [string, RunResult][] = [
    ...r.ramp.map((x): [string, RunResult] => [`${x.subject} ${x.level}`, x]),
    ...r.rate.map((x): [string, RunResult] => [`${x.subject} ${x.level}/s`, x]),
    ...r.pool.map((p): [string, RunResult] => [`thread pool ${p.threadPool}`, p.run]),
    ['soak', r.soak.run],
  ];
  const bad = runs.filter(([, x]) => x.ok < x.calls || x.errorLines > 0);
  if (bad.length === 0) return;
  console.log('\nFailed calls and error lines');
  for (const [label, x] of bad) {
    const steps = Object.entries(x.failed).map(([step, n]) => `at ${step} ${n}`);
    const kinds = Object.entries(x.errorMessages ?? {}).map(([kind, n]) => `${n} × "${kind}"`);
    console.log(`${label}: ${x.calls - x.ok} of ${x.calls} failed${steps.length ? ` (${steps.join(', ')})` : ''}; error lines: ${kinds.length ? kinds.join('; ') : x.errorLines}`);
    if (x.loopMaxMs > COMMAND_TIMEOUT_MS) {
      console.log(
        `  its event loop stalled up to ${n1(x.loopMaxMs)} ms, longer than the store's Redis command timeout (${COMMAND_TIMEOUT_MS} ms): ` +
          `a reply read that late counts as a timeout ("temporarily unavailable"); the machine was overloaded (load average ${r.loadAverageEnd.join(' ')} at the end)`,
      );
    }
  }
}

export function printReport(r: CompareResults): void {
  const rows: string[][] = [];
  const levels = [...new Set(r.ramp.map((x) => x.level))];
  for (const level of levels) {
    const p = runOf(r, 'portal', level);
    const f = runOf(r, 'floor', level);
    const fh = runOf(r, 'floor+hash', level);
    if (p) rows.push(runRow(`portal ${level}`, p));
    if (f) rows.push(runRow(`floor  ${level}`, f));
    if (fh) rows.push(runRow(`floor+hash ${level}`, fh));
    if (p && f) {
      rows.push([
        `  portal/floor`,
        '',
        '',
        `${n2(p.cpuMsPerCall / f.cpuMsPerCall)}×`,
        `${n2(p.loopThreadCpuMsPerCall / f.loopThreadCpuMsPerCall)}×`,
        '',
        '',
        `${n2(p.rssPerActiveCallKB / f.rssPerActiveCallKB)}×`,
        `p99 ${n2(p.responseOther.p99 / f.responseOther.p99)}×`,
        `p99 ${n2(p.responseHash.p99 / f.responseHash.p99)}×`,
        `${n2(p.loopP99Ms / Math.max(f.loopP99Ms, 0.01))}×`,
        '',
        '',
        '',
      ]);
    }
  }
  for (const x of r.rate) rows.push(runRow(`${x.subject} ${x.level}/s`, x));
  console.log(`\nLogin calls (response = key reaching the app's socket → its next ARI request; "at once" = most calls in progress; "main thread" = CPU ms/call of the event-loop thread alone; "pool" = of libuv's thread pool, the scrypt of the PIN hash; the rest is V8's garbage collection and compiler threads; "HTTP sessions" = most connections open to Asterisk at once)`);
  console.log(table(HEADER, rows));

  printFailures(r);

  console.log(`\nPIN verification alone: median ${n1(r.hash.wallMedianMs)} ms wall, ${n1(r.hash.cpuMs)} ms CPU (scrypt N=${r.hashParams.N}, r=${r.hashParams.r}, p=${r.hashParams.p})`);
  const inSitu = levels.map((level) => ({ level, cost: hashCostAt(r, level) })).filter((x) => x.cost.basis !== 'alone');
  if (inSitu.length > 0) {
    console.log(`under load (${inSitu[0]?.cost.basis}, CPU ms per call): ${inSitu.map((x) => `${x.level} calls ${n1(x.cost.ms)}`).join(', ')}`);
  }
  console.log(
    table(
      ['UV_THREADPOOL_SIZE', 'logins/s at saturation', '# (hash) p50/p99 ms', 'portal loop p99 ms', 'CPU ms/call'],
      r.pool.map((p) => [String(p.threadPool), n1(p.loginsPerSecond), `${n1(p.hashResponse.p50)}/${n1(p.hashResponse.p99)}`, n1(p.loopP99Ms), n2(p.run.cpuMsPerCall)]),
    ),
  );

  const s = r.soak;
  console.log(
    `\nSoak: ${s.ok}/${s.calls} calls in ${n1(s.wallSeconds)} s; RSS after GC ${s.samples.map((x) => n1(x.rssMiB)).join(' ')} MiB` +
      `\n      slope after warm-up: RSS ${n1(s.rssSlopeKBPer1000)} ± ${n1(s.rssSlopeCi95KBPer1000)} kB per 1000 calls, heap ${n1(s.heapSlopeKBPer1000)} ± ${n1(s.heapSlopeCi95KBPer1000)}`,
  );

  console.log('\nTargets (issue #12)');
  console.log(
    table(
      ['target', 'measured', 'limit', 'verdict'],
      r.targets.map((t) => [t.name, t.value, t.limit, t.checked ? (t.ok ? 'OK' : 'MISSED') : 'not checked']),
    ),
  );
  console.log(`\n${r.machine}; load average at the end ${r.loadAverageEnd.join(' ')}; ${r.durationSeconds} s in all`);
}
