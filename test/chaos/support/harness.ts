/**
 * The chaos tests' world: the unchanged application (src/app.ts) in this process, against
 * the ARI test double and a real `redis-server` with AOF, reached through a loopback fault
 * proxy. The administrator's store talks to Redis directly, so the test can read and check
 * the state while the application's path to Redis is faulty.
 */
import path from 'node:path';
import { startApp, type App, type AppOptions } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { silentLogger } from '../../../src/log';
import { openMessageStore, openStore, type MessageStore, type Store } from '../../../src/store';
import { AsteriskDouble } from '../../double';
import type { PlaceCallOptions, SimCall } from '../../double/control';
import { FaultProxy } from '../../support/fault-proxy';
import { ADMIN_PASSCODE, ARI_PASS, ARI_USER, DEFAULT_PIN, PARIS, PEPPER, TEST_TIMINGS, waitUntil } from '../../support/portal-harness';
import { AofRedis, type AofRedisOptions } from '../../support/redis-aof';

const SOUNDS_DIR = path.resolve(__dirname, '../../../sounds');

/** CHAOS_LONG=1 (`npm run chaos -- --long`): every point, more load; otherwise a CI-sized run. */
export const LONG = process.env.CHAOS_LONG === '1';

/**
 * Simulated Asterisk time runs at this fraction of real time. Every bound the tests assert is
 * derived from the application's own timeouts and the prompts' lengths, never from how fast
 * this machine happens to be.
 */
export const CHAOS_TIME_SCALE = 0.05;

/**
 * Added to every silence bound: the application's waits are real milliseconds (Redis and ARI
 * timeouts, scrypt on the thread pool) and stretch when both cores are saturated. The bounds
 * stay far below what a broken path gives (a wait for an event that never comes: 10 s to
 * minutes, or forever).
 */
export const BUSY_MACHINE_ALLOWANCE_MS = 4000;

export interface ChaosHarness {
  double: AsteriskDouble;
  redis: AofRedis;
  proxy: FaultProxy;
  app: App;
  admin: Store;
  adminMessages: MessageStore;
  /** A portal call as the shipped dialplan places it (own phone marked `internal`). */
  call(opts: Partial<PlaceCallOptions> & { callerNumber: string }): Promise<SimCall>;
  /** What Redis recorded of its own stalls, for a failed run's report. */
  redisStalls(): Promise<string>;
  /** Stop the app and start a fresh one (same config): an application restart. */
  restartApp(): Promise<void>;
  close(): Promise<void>;
}

export interface ChaosOptions {
  app?: AppOptions;
  timeScale?: number;
  /**
   * Redis's persistence. `everysec` unless the test kills Redis: with `always` Redis fsyncs in
   * its main thread before every reply, and on a busy disk (a CI machine running other suites)
   * one fsync can keep a reply past the store's 1 s command timeout although nothing failed.
   * Only a test that SIGKILLs Redis and checks that nothing was lost needs `always`.
   */
  redis?: AofRedisOptions;
}

export async function startChaosHarness(opts: ChaosOptions = {}): Promise<ChaosHarness> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const redis = await AofRedis.start({ appendfsync: 'everysec', ...opts.redis });
    cleanups.push(() => redis.destroy());
    const proxy = await FaultProxy.start(redis.port);
    cleanups.push(() => proxy.close());
    const double = await AsteriskDouble.start({
      username: ARI_USER,
      password: ARI_PASS,
      timeScale: opts.timeScale ?? CHAOS_TIME_SCALE,
      soundsDirs: [SOUNDS_DIR],
      knownSounds: '*',
    });
    cleanups.push(() => double.close());
    const config = loadConfig({
      NODE_ENV: 'test',
      ARI_URL: double.url,
      ARI_USERNAME: ARI_USER,
      ARI_PASSWORD: ARI_PASS,
      REDIS_URL: proxy.url,
      PIN_PEPPER: PEPPER,
    });
    const logger = silentLogger();
    const appOptions: AppOptions = {
      timings: TEST_TIMINGS,
      playbackTimeoutMs: 2000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 500, clientGiveUpMs: 3000 },
      ...opts.app,
    };
    let app = startApp(config, logger, appOptions);
    cleanups.push(() => app.stop());
    await waitUntil(() => double.registeredApps().includes(config.ari.app), 15_000, 'the app registers with ARI');
    const admin = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger, connectionName: 'chaos-admin' });
    const adminMessages = openMessageStore({ redis: { url: redis.url }, connectionName: 'chaos-admin-messages' });
    cleanups.push(async () => {
      await admin.close();
      await adminMessages.close();
    });
    // On a loaded machine the first connection may take longer than the store's ready wait.
    await once(() => admin.getPolicy());
    await once(() => adminMessages.counts('nobody'));
    const h: ChaosHarness = {
      double,
      redis,
      proxy,
      get app() {
        return app;
      },
      admin,
      adminMessages,
      async redisStalls() {
        const latest = await redis.latencies();
        return latest === '' ? 'redis: no stall of 100 ms or more recorded' : `redis stalls (event, last at, last ms, worst ms):\n${latest}`;
      },
      call: (o) => double.placeCall({ extension: PARIS.portalExtension, args: ['portal', PARIS.id, 'internal'], ...o }),
      async restartApp() {
        await app.stop();
        app = startApp(config, logger, appOptions);
        await waitUntil(() => double.registeredApps().includes(config.ari.app), 15_000, 'the restarted app registers');
      },
      close,
    };
    return h;
  } catch (err) {
    await close();
    throw err;
  }
}

/** The location `paris` with its admin passcode and the organisation's default PIN. */
export async function seedOrganisation(admin: Store): Promise<void> {
  await admin.addLocation(PARIS, 'chaos');
  await admin.setAdminPasscode(PARIS.id, ADMIN_PASSCODE, 'chaos');
  await admin.setDefaultPin(DEFAULT_PIN, 'chaos');
}

/**
 * Retry a store operation until Redis answers again (after a fault), at most `ms`; only the
 * errors `retryIf` accepts (any by default).
 */
export async function once<T>(op: () => Promise<T>, ms = 15_000, retryIf: (err: unknown) => boolean = () => true): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!retryIf(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Run `task` over `items` with at most `width` at a time; results in order. */
export async function pool<T, R>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
