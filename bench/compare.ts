/**
 * `npm run bench -- compare`: the portal against the floor (bench/floor.ts) and the floor with
 * one PIN hash (what a hash costs under that load), each in a process of its own, on the same
 * ARI test double and the same callers (this process), in rotating runs; then how the portal
 * grows (50 logins/s, thread-pool saturation, a 10,000-call soak).
 * Prints a table, writes `compare-<time>.json` and `compare-<time>.svg` under bench/results/
 * (or --out), and exits 1 when a target of issue #12 is missed or a call failed.
 * bench/README.md explains every figure and how it is measured.
 *
 * Options: --levels 10,50,100,200,500,1000 · --rate 50 · --rate-seconds 6 · --soak 10000 ·
 * --soak-every 500 · --pool-calls 240 · --out DIR · --profile DIR (V8 CPU profiles of the
 * measured processes, to find what is slow) · --perf-map (jitdump files that name their
 * JavaScript frames for Linux perf, and their pids printed) · --smoke (a few seconds: tiny levels, no
 * target checks; CI runs it to prove the whole machinery works).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/log';
import { CURRENT_HASH_PARAMS, hashPin, randomPin, verifyPin } from '../src/security/pin-hash';
import { checkPinForUser } from '../src/security/pin-policy';
import { openStore, type Store } from '../src/store';
import { AsteriskDouble } from '../test/double';
import { startTestRedis, type TestRedis } from '../test/support/redis';
import { FAST_TYPING, HUMAN_TYPING, LOCATION, PORTAL_EXTENSION, type Caller } from './compare/callers';
import { compileSubjects } from './compare/build';
import { measuredRun, percentiles, settle, type RunContext, type RunResult } from './compare/measure';
import { MeasuredProcess, REPO_ROOT, type ChildOptions, type Subject } from './compare/processes';
import { printReport } from './compare/report';
import { ResponseClock } from './compare/response-clock';
import { chartSvg } from './compare/svg';
import { evaluateTargets, hashCostAt, type HashCost, type PoolResult, type SoakResult, type CompareResults } from './compare/targets';
import { describeMachine, option, positiveInt, runConcurrently } from './stats';

const ARI_USER = 'voice-portal';
const PORTAL_APP = 'voice-portal';
const FLOOR_APP = 'voice-portal-floor';
const FLOOR_HASH_APP = 'voice-portal-floor-hash';
/**
 * The double's time scale: prompts play at 1/10 of their length (the welcome 0.8 s, the
 * goodbye 0.09 s), so a call is short, while the callers type at human speed (HUMAN_TYPING is
 * in real milliseconds) in the concurrency runs.
 */
const TIME_SCALE = 0.1;
const SOUNDS_DIR = path.join(REPO_ROOT, 'sounds');
const WARM_UP_CALLS = 20;
/** libuv's pool size when UV_THREADPOOL_SIZE is unset, as in the main portal process. */
const DEFAULT_POOL = 4;
const POOL_LINES = 48;
/** The headline levels of the issue; the ramp adds the others. */
const HEADLINE = [100, 500, 1000];

interface Options {
  smoke: boolean;
  levels: number[];
  rate: number;
  rateSeconds: number;
  soak: number;
  soakEvery: number;
  poolCalls: number;
  poolSizes: number[];
  hashRuns: number;
  warmUp: number;
  profileDir?: string;
  perfMap: boolean;
  out: string;
}

function parseOptions(args: string[]): Options {
  const smoke = args.includes('--smoke');
  const levelsRaw = option(args, 'levels');
  const levels = levelsRaw
    ? levelsRaw.split(',').map((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error('--levels must be a comma list of positive whole numbers');
        return n;
      })
    : smoke
      ? [3, 6]
      : [10, 50, 100, 200, 500, 1000];
  const cores = os.availableParallelism();
  // The issue's two settings: libuv's default (4) and cores × 2; with the core count itself
  // beside them when they coincide (as on 2 cores), so the sizing advice has a curve to read.
  const poolSizes = [...new Set(smoke ? [DEFAULT_POOL] : [cores, DEFAULT_POOL, cores * 2])].sort((a, b) => a - b);
  return {
    smoke,
    levels: [...new Set(levels)].sort((a, b) => a - b),
    rate: positiveInt(args, 'rate', smoke ? 10 : 50),
    rateSeconds: positiveInt(args, 'rate-seconds', smoke ? 1 : 6),
    soak: positiveInt(args, 'soak', smoke ? 50 : 10_000),
    soakEvery: positiveInt(args, 'soak-every', smoke ? 10 : 500),
    poolCalls: positiveInt(args, 'pool-calls', smoke ? 8 : 240),
    poolSizes,
    hashRuns: smoke ? 3 : 20,
    warmUp: smoke ? 3 : WARM_UP_CALLS,
    profileDir: option(args, 'profile'),
    perfMap: args.includes('--perf-map'),
    out: path.resolve(option(args, 'out') ?? path.join(REPO_ROOT, 'bench/results')),
  };
}

export async function compareBench(args: string[]): Promise<number> {
  const opts = parseOptions(args);
  const began = performance.now();
  const startedAt = new Date();
  const machine = describeMachine();
  const command = `npm run bench -- compare${args.length ? ` ${args.join(' ')}` : ''}`;
  console.log(machine);
  const phase = (name: string): void => console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${name}`);

  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error(`clean-up failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  // Ctrl-C or a kill: stop the children and the Redis before going (they are not ours to leave behind).
  const interrupted = (signal: NodeJS.Signals): void => {
    console.error(`${signal}: stopping the measured processes and Redis`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    phase('compiling the measured processes (as npm run build does)');
    const code = await compileSubjects(REPO_ROOT);
    cleanups.push(async () => code.remove());
    const clock = new ResponseClock();
    const redis: TestRedis = await startTestRedis({ restartable: true });
    cleanups.push(() => redis.stop());
    const ariPassword = randomBytes(24).toString('hex');
    const pepper = randomBytes(32).toString('base64');
    const double = await AsteriskDouble.start({
      username: ARI_USER,
      password: ariPassword,
      timeScale: TIME_SCALE,
      soundsDirs: [SOUNDS_DIR],
      knownSounds: '*',
      wireTap: clock.tap,
      // As an administrator raises http.conf's sessionlimit for an ari-client application of
      // this size: the floor's REST calls open a connection per request in flight (hundreds
      // at 1000 calls), and past Asterisk's default of 100 they would be refused and hang.
      // The portal keeps at most 32 (src/ari/rest.ts); each run's peak is in the table.
      sessionLimit: 100_000,
    });
    cleanups.push(() => double.close());
    const base: Omit<ChildOptions, 'subject' | 'app'> = {
      code,
      ariUrl: double.url,
      ariUser: ARI_USER,
      ariPassword,
      redisUrl: redis.url,
      pepper,
      profileDir: opts.profileDir && path.resolve(opts.profileDir),
      perfMap: opts.perfMap,
    };
    const children: MeasuredProcess[] = [];
    cleanups.push(async () => {
      await Promise.all(children.map((c) => c.stop()));
    });
    // floor+hash verifies every caller's digits against this one hash (a PIN no caller types).
    const floorPinHash = await hashPin(randomPin(8, () => true), pepper);
    const startChild = async (subject: Subject, app: string, threadPool?: number): Promise<MeasuredProcess> => {
      const child = MeasuredProcess.start({ ...base, subject, app, threadPool, pinHash: subject === 'floor+hash' ? floorPinHash : undefined });
      children.push(child);
      if (opts.perfMap) console.log(`         ${subject} (${app}): pid ${child.pid ?? '?'}`);
      await waitRegistered(double, child);
      return child;
    };

    phase(`seeding ${Math.max(...opts.levels)} users (one PIN hash each; calls beyond that reuse them)`);
    const store = openStore({ redis: { url: redis.url }, pepper, logger: silentLogger(), connectionName: 'bench-seed' });
    cleanups.push(async () => {
      await store.close();
    });
    // The children start (and compile) while the seeding hashes.
    const started = Promise.all([startChild('portal', PORTAL_APP), startChild('floor', FLOOR_APP), startChild('floor+hash', FLOOR_HASH_APP)]);
    started.catch(() => undefined); // awaited below, after the seeding; never an unhandled rejection meanwhile
    const callers = await seed(store, Math.max(...opts.levels));
    const [portal, floor, floorHash] = await started;
    const ctx: RunContext = { double, clock, callers };

    phase('hash cost');
    const hash = await hashCost(pepper, opts.hashRuns);

    phase('warm-up');
    for (const proc of [portal, floor, floorHash]) {
      await measuredRun(ctx, proc, { kind: 'burst', count: Math.min(opts.warmUp, callers.length) }, HUMAN_TYPING);
      await settle(double, proc.app);
    }

    const ramp: RunResult[] = [];
    for (const [i, level] of opts.levels.entries()) {
      // Rotate which one goes first, so a change in the machine's load hits all three.
      const order = [portal, floor, floorHash];
      for (const proc of [...order.slice(i % 3), ...order.slice(0, i % 3)]) {
        phase(`${level} concurrent calls: ${proc.subject}`);
        await settle(double, proc.app);
        ramp.push(progress(await measuredRun(ctx, proc, { kind: 'burst', count: level }, HUMAN_TYPING)));
      }
    }

    const rate: RunResult[] = [];
    for (const proc of [floor, portal]) {
      phase(`${opts.rate} logins/s for ${opts.rateSeconds} s: ${proc.subject}`);
      await settle(double, proc.app);
      rate.push(progress(await measuredRun(ctx, proc, { kind: 'rate', count: opts.rate * opts.rateSeconds, rate: opts.rate }, HUMAN_TYPING)));
    }

    const pool: PoolResult[] = [];
    for (const size of opts.poolSizes) {
      phase(`thread pool ${size}: saturating PIN verifications`);
      // The main portal process has libuv's default pool: no need for another one of that size.
      const own = size !== DEFAULT_POOL;
      const child = own ? await startChild('portal', `voice-portal-pool${size}`, size) : portal;
      if (own) await measuredRun(ctx, child, { kind: 'burst', count: Math.min(opts.warmUp, callers.length) }, FAST_TYPING);
      await settle(double, child.app);
      const run = progress(await measuredRun(ctx, child, { kind: 'lines', count: opts.poolCalls, lines: POOL_LINES }, FAST_TYPING));
      if (own) await child.stop();
      pool.push({ threadPool: size, loginsPerSecond: run.ok / (run.wallMs / 1000), hashResponse: run.responseHash, loopP99Ms: run.loopP99Ms, run });
    }

    phase(`soak: ${opts.soak} calls on 8 lines, RSS every ${opts.soakEvery}`);
    await settle(double, portal.app);
    const soakSamples: SoakResult['samples'] = [];
    const first = await portal.sample('sample', true);
    soakSamples.push({ calls: 0, rssMiB: first.rssBytes / 2 ** 20, heapMiB: first.heapUsedBytes / 2 ** 20 });
    const soakRun = await measuredRun(
      ctx,
      portal,
      {
        kind: 'lines',
        count: opts.soak,
        lines: 8,
        every: opts.soakEvery,
        onEvery: async (done) => {
          const s = await portal.sample('sample', true);
          soakSamples.push({ calls: done, rssMiB: s.rssBytes / 2 ** 20, heapMiB: s.heapUsedBytes / 2 ** 20 });
        },
      },
      FAST_TYPING,
    );
    const soak = soakSummary(soakSamples, soakRun);

    phase('done; stopping');
    const results: CompareResults = {
      startedAt: startedAt.toISOString(),
      durationSeconds: 0,
      command,
      machine,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
      loadAverageEnd: os.loadavg().map((v) => +v.toFixed(2)),
      node: process.version,
      smoke: opts.smoke,
      timeScale: TIME_SCALE,
      hashParams: { ...CURRENT_HASH_PARAMS },
      hash,
      headlineLevels: opts.levels.filter((l) => HEADLINE.includes(l)).length > 0 ? opts.levels.filter((l) => HEADLINE.includes(l)) : opts.levels.slice(-2),
      ramp,
      rate,
      pool,
      soak,
      targets: [],
      valid: false,
    };
    results.targets = evaluateTargets(results);
    results.valid = [...ramp, ...rate, soakRun, ...pool.map((p) => p.run)].every((r) => r.ok === r.calls);
    results.durationSeconds = Math.round((performance.now() - began) / 1000);

    mkdirSync(opts.out, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
    const jsonPath = path.join(opts.out, `compare-${stamp}.json`);
    const svgPath = path.join(opts.out, `compare-${stamp}.svg`);
    writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(svgPath, chart(results));
    printReport(results);
    console.log(`\nwrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)}`);
    if (!results.valid) {
      console.log('INVALID RUN: some calls failed (a valid run has 0 failed calls)');
      return 1;
    }
    if (opts.smoke) return 0;
    return results.targets.every((t) => t.ok) ? 0 : 1;
  } finally {
    await cleanUp();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

/** One line per run as it ends, so a long run shows where it is. */
function progress(r: RunResult): RunResult {
  console.log(
    `         ${r.ok}/${r.calls} ok in ${(r.wallMs / 1000).toFixed(1)} s; CPU ${r.cpuMsPerCall.toFixed(2)} ms/call ` +
      `(callers' side ${r.callersCpuMsPerCall.toFixed(2)}); no-hash p99 ${r.responseOther.p99.toFixed(2)} ms; # p99 ${r.responseHash.p99.toFixed(1)} ms`,
  );
  return r;
}

async function waitRegistered(double: AsteriskDouble, child: MeasuredProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!double.registeredApps().includes(child.app)) {
    const note = child.deathNote();
    if (note) throw new Error(note);
    if (Date.now() > deadline) throw new Error(`${child.subject} (${child.app}) did not connect to the double within 90 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Location `paris` (portal 8000) and `count` users who log in straight to the main menu. */
async function seed(store: Store, count: number): Promise<Caller[]> {
  await store.addLocation(
    { id: LOCATION, name: 'Paris', portalExtension: PORTAL_EXTENSION, portalNumber: '+33100000000', language: 'en', timeZone: 'Europe/Paris' },
    'bench',
  );
  const policy = await store.getPolicy();
  const pinLength = Math.min(Math.max(policy.minLength, 6), policy.maxLength);
  const callers: Caller[] = [];
  for (let i = 0; i < count; i++) {
    const extension = String(100_000 + i);
    callers.push({ extension, pin: randomPin(pinLength, (p) => checkPinForUser(p, policy, { extension }) === null) });
  }
  await runConcurrently(count, 4, async (i) => {
    const caller = callers[i] as Caller;
    const id = `bench${i}`;
    await store.createUser({ id, locationId: LOCATION, extension: caller.extension }, 'bench');
    await store.selfServiceSetPin(id, caller.pin, 'bench');
    await store.markNameRecorded(id, 'bench');
  });
  return callers;
}

/** CPU time and wall time of one verification, in this process while nothing else runs. */
async function hashCost(pepper: string, runs: number): Promise<HashCost> {
  const pin = randomPin(8, () => true);
  const stored = await hashPin(pin, pepper);
  await verifyPin(pin, stored, pepper);
  const walls: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await verifyPin(pin, stored, pepper);
    walls.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = percentiles(walls);
  return { runs, wallMedianMs: wall.p50, wallMaxMs: wall.max, cpuMs: (cpu.user + cpu.system) / 1000 / runs };
}

/** Least-squares slope of RSS over calls after warm-up (the first 2 samples after the start). */
function soakSummary(samples: SoakResult['samples'], run: RunResult): SoakResult {
  const warm = samples.filter((s) => s.calls > 0).slice(2);
  const fit = (ys: number[]): { slope: number; ci95: number } => {
    const xs = warm.map((s) => s.calls);
    const n = xs.length;
    if (n < 3) return { slope: Number.NaN, ci95: Number.NaN };
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    const slope = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / sxx;
    const resid = xs.reduce((a, x, i) => a + ((ys[i] as number) - my - slope * (x - mx)) ** 2, 0);
    const se = Math.sqrt(resid / (n - 2) / sxx);
    return { slope, ci95: 2.1 * se };
  };
  // MiB per call → kB per 1000 calls: × 2^20 / 1000 × 1000.
  const rss = fit(warm.map((s) => s.rssMiB));
  const heap = fit(warm.map((s) => s.heapMiB));
  const k = 2 ** 20;
  return {
    calls: run.calls,
    ok: run.ok,
    wallSeconds: run.wallMs / 1000,
    every: samples[1]?.calls ?? 0,
    samples,
    rssSlopeKBPer1000: rss.slope * k,
    rssSlopeCi95KBPer1000: rss.ci95 * k,
    heapSlopeKBPer1000: heap.slope * k,
    heapSlopeCi95KBPer1000: heap.ci95 * k,
    run,
  };
}

function chart(r: CompareResults): string {
  const levels = [...new Set(r.ramp.map((x) => x.level))];
  const of = (subject: Subject, pick: (x: RunResult) => number): { x: number; y: number }[] =>
    levels.map((level) => {
      const run = r.ramp.find((x) => x.subject === subject && x.level === level);
      return { x: level, y: run ? pick(run) : Number.NaN };
    });
  const hashFloor = (level: number): number => {
    const f = r.ramp.find((x) => x.subject === 'floor' && x.level === level);
    return f ? f.cpuMsPerCall * 1.3 + hashCostAt(r, level).ms : Number.NaN;
  };
  return chartSvg(
    [
      {
        title: 'Key → next ARI request (p99)',
        yLabel: 'ms (log scale)',
        logY: true,
        series: [
          { label: 'portal, keys other than # (no hash)', colour: '#c0392b', points: of('portal', (x) => x.responseOther.p99) },
          { label: 'floor, keys other than #', colour: '#2471a3', points: of('floor', (x) => x.responseOther.p99) },
          { label: 'portal, # ending the PIN (hash)', colour: '#c0392b', dashed: true, points: of('portal', (x) => x.responseHash.p99) },
          { label: 'floor, #', colour: '#2471a3', dashed: true, points: of('floor', (x) => x.responseHash.p99) },
        ],
      },
      {
        title: 'CPU per call',
        yLabel: 'ms of CPU per login call',
        logY: false,
        series: [
          { label: 'portal', colour: '#c0392b', points: of('portal', (x) => x.cpuMsPerCall) },
          { label: 'floor', colour: '#2471a3', points: of('floor', (x) => x.cpuMsPerCall) },
          { label: 'floor + one hash', colour: '#27ae60', points: of('floor+hash', (x) => x.cpuMsPerCall) },
          { label: 'target: 1.3 × floor + one hash', colour: '#7f8c8d', dashed: true, points: levels.map((l) => ({ x: l, y: hashFloor(l) })) },
        ],
      },
    ],
    levels,
    `${r.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${r.cores} cores, ${r.cpuModel} · node ${r.node}${r.smoke ? ' · SMOKE RUN' : ''}`,
  );
}
