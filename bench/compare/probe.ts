/**
 * Preloaded (`node -r …/probe.ts`) into the application and into the floor when
 * `npm run bench -- compare` runs them, so neither needs a line of benchmark code: it answers
 * the benchmark over the IPC channel with the process's own CPU time (every thread, the libuv
 * pool included), memory, event-loop delay and the Redis commands it sent (counted where the
 * portal times them for its metrics, src/store/command-timing.ts: the same module instance as
 * the portal's, the floor sends none). Its own cost is one 10 ms histogram timer, a counter
 * and a message now and then. (Not on ioredis' `ioredis:command` tracing channel: a subscriber
 * there makes ioredis build a context for every command, a cost the portal does not pay.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { observeRedisCommands } from '../../src/store/command-timing';

export interface ProbeRequest {
  id: number;
  /** sample: report now; reset-loop: start a new event-loop delay window, then report. */
  cmd: 'sample' | 'reset-loop';
  /** Run a full garbage collection first (the child runs with --expose-gc). */
  gc?: boolean;
}

export interface ProbeSample {
  id: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** User + system CPU time of the whole process since it started, microseconds. */
  cpuUs: number;
  /**
   * CPU time of the main thread alone (the event loop: everything but the libuv pool's scrypt
   * and V8's helper threads), microseconds; NaN where /proc is not there (not Linux).
   */
  loopThreadCpuUs: number;
  /**
   * CPU time of the threads started after this probe was loaded, microseconds: libuv's
   * thread pool, which starts on its first job (here, scrypt); V8's helper threads (garbage
   * collection, compilation) start with the process and are not among them. NaN without /proc.
   */
  poolThreadsCpuUs: number;
  /** Redis commands the process sent since it started (a script is one: EVALSHA). */
  redisCommands: number;
  /** Event-loop delay since the last reset-loop, ms (the sampling interval subtracted). */
  loop: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number };
}

/** Sampling interval; Node records interval + delay, so it is subtracted from what is sent. */
export const LOOP_RESOLUTION_MS = 10;

const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
histogram.enable();

let redisCommands = 0;
observeRedisCommands(() => {
  redisCommands += 1;
});

function delayMs(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS) : 0;
}

/** /proc reports thread times in USER_HZ ticks, 100 per second on every Linux port Node runs on. */
const USER_HZ = 100;

/** utime + stime of one thread, microseconds. */
function threadCpuUs(tid: string): number {
  // Fields after the `(comm)` (which may hold spaces): state is field 3, utime 14 and stime 15.
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ;
}

function loopThreadCpuUs(): number {
  try {
    // The main thread's task id is the pid.
    return threadCpuUs(String(process.pid));
  } catch {
    return Number.NaN;
  }
}

/** The threads that exist as the probe loads, before the application's first line runs. */
const threadsAtStart = ((): Set<string> | undefined => {
  try {
    return new Set(readdirSync('/proc/self/task'));
  } catch {
    return undefined;
  }
})();

function poolThreadsCpuUs(): number {
  if (!threadsAtStart) return Number.NaN;
  let us = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    if (threadsAtStart.has(tid)) continue;
    try {
      us += threadCpuUs(tid);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return us;
}

function sample(id: number): ProbeSample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const empty = histogram.count === 0;
  return {
    id,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    cpuUs: cpu.user + cpu.system,
    loopThreadCpuUs: loopThreadCpuUs(),
    poolThreadsCpuUs: poolThreadsCpuUs(),
    redisCommands,
    loop: {
      p50Ms: empty ? 0 : delayMs(histogram.percentile(50)),
      p99Ms: empty ? 0 : delayMs(histogram.percentile(99)),
      maxMs: empty ? 0 : delayMs(histogram.max),
      meanMs: empty ? 0 : delayMs(histogram.mean),
    },
  };
}

if (process.send) {
  process.on('message', (raw: unknown) => {
    const req = raw as Partial<ProbeRequest>;
    if (typeof req?.id !== 'number') return;
    if (req.gc) (globalThis as { gc?: () => void }).gc?.();
    const reply = sample(req.id);
    if (req.cmd === 'reset-loop') histogram.reset();
    process.send?.(reply);
  });
  // The process lives as long as its own work says (the app until SIGTERM), not for the channel.
  process.channel?.unref();
}
