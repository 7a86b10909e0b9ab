/** Small timing helpers shared by the benchmarks. */
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export interface Summary {
  count: number;
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarise(samplesMs: number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    median: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export function formatSummary(label: string, s: Summary): string {
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  return `${label.padEnd(22)} n=${s.count}  median ${ms(s.median)}  p95 ${ms(s.p95)}  min ${ms(s.min)}  max ${ms(s.max)}`;
}

/** Run `fn` `count` times one after the other; durations in milliseconds. */
export async function timeSequential(count: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Value of `--name <value>` in args, or undefined. */
export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export function positiveInt(args: string[], name: string, fallback: number): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

export function positiveNumber(args: string[], name: string, fallback: number): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

/**
 * Run `task(0..count-1)` with at most `concurrency` in flight; resolves when all have settled.
 * `task` must not reject (a benchmark counts its own failures).
 */
export async function runConcurrently(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Node, cores, thread pool and the 1-minute load average: figures from a shared machine
 * (other jobs running) are only comparable with this line next to them.
 */
export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const pool = process.env.UV_THREADPOOL_SIZE ?? '4 (default)';
  return `node ${process.version}, ${os.availableParallelism()} cores (${cpu}), UV_THREADPOOL_SIZE=${pool}, load average ${(os.loadavg()[0] ?? 0).toFixed(2)}`;
}
