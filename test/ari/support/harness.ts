/**
 * The real src/ari engine against the ARI test double, with a per-test call flow.
 */
import { AsteriskDouble, type DoubleOptions } from '../../double';
import { startAriEngine, type AriEngine, type AriEngineOptions, type EngineState } from '../../../src/ari/engine';
import type { Call } from '../../../src/ari/call';
import { silentLogger } from '../../../src/log';

export const USER = 'voice-portal';
export const PASS = 'secret-ari-pass';

export type Flow = (call: Call) => Promise<void>;

export interface Harness {
  double: AsteriskDouble;
  engine: AriEngine;
  /** The flow the next calls run (default: answer, then wait for the end). */
  setFlow(flow: Flow): void;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { double?: Partial<DoubleOptions>; engine?: Partial<Omit<AriEngineOptions, 'config' | 'onCall' | 'logger'>> } = {},
): Promise<Harness> {
  const double = await AsteriskDouble.start({ username: USER, password: PASS, timeScale: 0.05, ...opts.double });
  let flow: Flow = async (call) => {
    await call.answer();
    await call.ended;
  };
  const engine = startAriEngine({
    config: { url: double.url, username: USER, password: PASS, app: 'voice-portal' },
    logger: silentLogger(),
    onCall: (call) => flow(call),
    playbackTimeoutMs: 2000,
    recordingGraceMs: 500,
    ...opts.engine,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, pingIntervalMs: 0, ...opts.engine?.reconnect },
  });
  await waitForState(engine, 'connected');
  return {
    double,
    engine,
    setFlow: (f) => {
      flow = f;
    },
    close: async () => {
      await engine.stop();
      await double.close();
    },
  };
}

export function waitForState(engine: AriEngine, state: EngineState, timeoutMs = 5000): Promise<void> {
  if (engine.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      engine.off('state', listener);
      reject(new Error(`engine did not reach ${state} in ${timeoutMs} ms (now ${engine.state})`));
    }, timeoutMs);
    const listener = (s: EngineState): void => {
      if (s !== state) return;
      clearTimeout(timer);
      engine.off('state', listener);
      resolve();
    };
    engine.on('state', listener);
  });
}

/** A promise with its settle functions, for a flow to report what it saw. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Run `step` and report its outcome (value or error) without ever rejecting. */
export async function outcome<T>(step: Promise<T>): Promise<{ ok: T } | { err: Error }> {
  try {
    return { ok: await step };
  } catch (err) {
    return { err: err as Error };
  }
}

export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
