/**
 * The unchanged application (src/app.ts) against the ARI test double and a private Redis,
 * assembled the way test/support/portal-harness.ts does it, without jest: for load benchmarks.
 * Everything runs in this one process, so event-loop figures cover the app, the double and
 * the simulated callers together.
 */
import path from 'node:path';
import { startApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import { silentLogger } from '../src/log';
import { AsteriskDouble } from '../test/double';
import { startTestRedis, type TestRedis } from '../test/support/redis';

const ARI_USER = 'voice-portal';
const ARI_PASS = 'bench-ari-password';
/** A fixed pepper: the bench's Redis is private and thrown away. */
export const BENCH_PEPPER = 'bench-pepper-0123456789abcdef';
const SOUNDS_DIR = path.resolve(__dirname, '../sounds');
const REGISTER_TIMEOUT_MS = 10_000;

export interface PortalRig {
  double: AsteriskDouble;
  app: App;
  redis: TestRedis;
  /** Stop the app, the double and Redis (in that order). Never throws. */
  close(): Promise<void>;
}

export async function startPortalRig(timeScale: number): Promise<PortalRig> {
  // Each step's clean-up is pushed as soon as the step succeeded, so a failure half-way
  // still stops what was started and the process can exit.
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error(`clean-up failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  try {
    const redis = await startTestRedis();
    cleanups.push(() => redis.stop());
    const double = await AsteriskDouble.start({
      username: ARI_USER,
      password: ARI_PASS,
      timeScale,
      soundsDirs: [SOUNDS_DIR],
      // Asterisk's core sounds have no file here: they exist with a default length.
      knownSounds: '*',
    });
    cleanups.push(() => double.close());
    const config = loadConfig({
      NODE_ENV: 'test',
      ARI_URL: double.url,
      ARI_USERNAME: ARI_USER,
      ARI_PASSWORD: ARI_PASS,
      REDIS_URL: redis.url,
      PIN_PEPPER: BENCH_PEPPER,
    });
    // Production timings (DEFAULT_TIMINGS): a PIN ends with '#', so they never add latency,
    // and long waits cannot fire spuriously when the event loop is busy.
    const app = startApp(config, silentLogger());
    cleanups.push(() => app.stop());
    await waitUntil(() => double.registeredApps().includes(config.ari.app), REGISTER_TIMEOUT_MS, 'the app registers with ARI');
    return { double, app, redis, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
