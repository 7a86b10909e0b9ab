/**
 * One measured run: a batch of login calls against one process (portal or floor), with that
 * process's CPU time, memory, event-loop delay and error lines read through its probe before,
 * during and after, and the response times read from the double's wire tap.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { AsteriskDouble } from '../../test/double';
import { percentile } from '../stats';
import { CallCounter, loginCall, tally, type Caller, type FailedStep, type Typing } from './callers';
import type { MeasuredProcess, Subject } from './processes';
import type { ResponseClock } from './response-clock';

/** How often RSS is read during a run (its peak is what the calls cost). */
const RSS_POLL_MS = 100;

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface RunResult {
  subject: Subject;
  /** Calls at once (burst) or, for a rate run, calls per second. */
  level: number;
  calls: number;
  ok: number;
  failed: Partial<Record<FailedStep, number>>;
  /** Error lines the process wrote during the run. */
  errorLines: number;
  /** The run's error lines by message (with the first line of the error they name, e.g. `… : Redis unavailable: Command timed out`). */
  errorMessages: Record<string, number>;
  wallMs: number;
  cpuMsPerCall: number;
  /**
   * CPU time of the process's main thread per call (ms): the event loop's work without the
   * scrypt on the pool, so the application's own cost, free of the hash's variation.
   */
  loopThreadCpuMsPerCall: number;
  /**
   * CPU time of libuv's thread pool per call (ms): the scrypt of the PIN verification, where
   * the process pays it (the floor has no pool work: 0). The rest of cpuMsPerCall beyond the
   * main thread is V8's helper threads (garbage collection, compilation).
   */
  poolCpuMsPerCall: number;
  /** Redis commands the process sent per call (a script counts once; background readers included). */
  redisCommandsPerCall: number;
  rssIdleMiB: number;
  rssPeakMiB: number;
  /** Most calls in progress at once, as the callers counted them. */
  peakActive: number;
  /** (peak RSS − RSS before the run) / peak active calls, kB (1000 bytes). */
  rssPerActiveCallKB: number;
  /** DTMF → next ARI request, ms: `#` ending the PIN (the hash) and every other key. */
  responseHash: Percentiles;
  responseOther: Percentiles;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Event-loop delay p99 of the benchmark's own process (double + callers): the measuring side's noise. */
  callersLoopP99Ms: number;
  /** CPU time of the benchmark's own process per call (the double and the callers). */
  callersCpuMsPerCall: number;
  /** ARI requests the process made per call, by route (the floor must make the portal's). */
  requestsPerCall: Record<string, number>;
  /**
   * Most HTTP connections of this process open to the double at once during the run (those
   * that carried a request about one of its calls; Asterisk's sessions). Against a real
   * Asterisk, each is a thread, and past http.conf's sessionlimit (100) one is refused.
   */
  httpSessionsPeak: number;
}

/** What the counts grew by since `before` (entries that did not grow are left out). */
function countsSince(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [kind, n] of Object.entries(now)) if (n > (before[kind] ?? 0)) grown[kind] = n - (before[kind] ?? 0);
  return grown;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export interface RunContext {
  double: AsteriskDouble;
  clock: ResponseClock;
  callers: Caller[];
}

/** How the calls of a run are started. */
export type Load =
  /** `count` calls placed at once. */
  | { kind: 'burst'; count: number }
  /** `count` calls, `rate` new ones per second. */
  | { kind: 'rate'; count: number; rate: number }
  /** `count` calls over `lines` lines, each line's next call as soon as its last one ended. */
  | { kind: 'lines'; count: number; lines: number; every?: number; onEvery?: (done: number) => Promise<void> };

export async function measuredRun(ctx: RunContext, proc: MeasuredProcess, load: Load, typing: Typing): Promise<RunResult> {
  const counter = new CallCounter();
  const callersLoop = monitorEventLoopDelay({ resolution: 10 });
  const before = await proc.sample('reset-loop');
  const errorsBefore = proc.errorLines;
  const kindsBefore = proc.errorMessages();
  ctx.clock.take();
  ctx.double.resetSessionPeak(proc.app);
  let peakRss = before.rssBytes;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      await new Promise((r) => setTimeout(r, RSS_POLL_MS));
      if (polling) peakRss = Math.max(peakRss, (await proc.sample()).rssBytes);
    }
  })();
  callersLoop.enable();
  const callersCpu = process.cpuUsage();
  const start = performance.now();
  const call = (i: number): Promise<'ok' | FailedStep> => loginCall(ctx.double, proc.app, ctx.callers[i % ctx.callers.length] as Caller, typing, counter);
  let outcomes: ('ok' | FailedStep)[];
  try {
    outcomes = await runLoad(load, call);
  } finally {
    polling = false;
    await poll.catch(() => undefined);
  }
  const wallMs = performance.now() - start;
  const callersCpuUsed = process.cpuUsage(callersCpu);
  callersLoop.disable();
  const after = await proc.sample();
  peakRss = Math.max(peakRss, after.rssBytes);
  const samples = ctx.clock.take();
  const { ok, failed } = tally(outcomes);
  return {
    subject: proc.subject,
    level: load.kind === 'rate' ? load.rate : load.kind === 'lines' ? load.lines : load.count,
    calls: outcomes.length,
    ok,
    failed,
    errorLines: proc.errorLines - errorsBefore,
    errorMessages: countsSince(kindsBefore, proc.errorMessages()),
    wallMs,
    cpuMsPerCall: (after.cpuUs - before.cpuUs) / 1000 / outcomes.length,
    loopThreadCpuMsPerCall: (after.loopThreadCpuUs - before.loopThreadCpuUs) / 1000 / outcomes.length,
    poolCpuMsPerCall: (after.poolThreadsCpuUs - before.poolThreadsCpuUs) / 1000 / outcomes.length,
    redisCommandsPerCall: (after.redisCommands - before.redisCommands) / outcomes.length,
    rssIdleMiB: before.rssBytes / 2 ** 20,
    rssPeakMiB: peakRss / 2 ** 20,
    peakActive: counter.peak,
    rssPerActiveCallKB: (peakRss - before.rssBytes) / 1000 / Math.max(1, counter.peak),
    responseHash: percentiles(samples.hash),
    responseOther: percentiles(samples.other),
    loopP99Ms: after.loop.p99Ms,
    loopMaxMs: after.loop.maxMs,
    callersLoopP99Ms: Math.max(0, callersLoop.percentile(99) / 1e6 - 10),
    callersCpuMsPerCall: (callersCpuUsed.user + callersCpuUsed.system) / 1000 / outcomes.length,
    requestsPerCall: Object.fromEntries(Object.entries(samples.requests).map(([route, n]) => [route, +(n / outcomes.length).toFixed(2)])),
    httpSessionsPeak: ctx.double.sessions(proc.app).peak,
  };
}

async function runLoad(load: Load, call: (i: number) => Promise<'ok' | FailedStep>): Promise<('ok' | FailedStep)[]> {
  if (load.kind === 'burst') return Promise.all(Array.from({ length: load.count }, (_, i) => call(i)));
  if (load.kind === 'rate') {
    const started: Promise<'ok' | FailedStep>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < load.count; i++) {
      // Open loop on a schedule: a late tick does not shift the following ones.
      const due = t0 + (i * 1000) / load.rate - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      started.push(call(i));
    }
    return Promise.all(started);
  }
  const outcomes: ('ok' | FailedStep)[] = [];
  let next = 0;
  let done = 0;
  let reporting: Promise<void> = Promise.resolve();
  const line = async (): Promise<void> => {
    while (next < load.count) {
      const i = next++;
      outcomes[i] = await call(i);
      done += 1;
      if (load.every && load.onEvery && done % load.every === 0) {
        const at = done;
        reporting = reporting.then(() => load.onEvery?.(at));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(load.lines, load.count) }, line));
  await reporting;
  return outcomes;
}

/** Waits until the process has no call left in the double (the previous run's tails). */
export async function settle(double: AsteriskDouble, app: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (double.calls.some((c) => c.state !== 'ended' && !c.stasisFailed && (c as { app?: string }).app === app)) {
    if (Date.now() > deadline) throw new Error(`calls of ${app} still in progress after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // The app's own clean-up after the last StasisEnd.
  await new Promise((r) => setTimeout(r, 200));
}
