/**
 * `npm run bench -- logins [--calls 200] [--concurrency 20] [--speed 0.05]`: PIN logins as
 * callers experience them, through the whole stack: the ARI test double plays Asterisk and
 * the callers, the unchanged application answers, a private Redis holds the state.
 *
 * Each call rings the portal from the user's own extension, waits for the welcome prompt to
 * start, types the PIN and '#', then presses 9 (goodbye) at the main menu. The latency is
 * from the moment '#' reached the app's socket to the moment the main menu starts playing:
 * Redis round trips + scrypt (thread pool) + ARI playback request, under load.
 * --speed is the double's timeScale (media durations and key gaps are multiplied by it).
 * Exits with status 1 if any call failed. PINs are random and never printed.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { randomPin } from '../src/security/pin-hash';
import { checkPinForUser } from '../src/security/pin-policy';
import type { Store } from '../src/store';
import type { AsteriskDoubleControl, SimCall } from '../test/double';
import { DEFAULT_TIMINGS } from '../src/portal/deps';
import { startHarness } from '../test/support/portal-harness';
import { within } from '../test/support/within';
import { describeMachine, percentile, positiveInt, positiveNumber, runConcurrently } from './stats';

const PORTAL_EXTENSION = '8000';
const WELCOME = 'sound:voice-portal/welcome';
const MAIN_MENU = 'sound:voice-portal/main-menu';
/** Real-time bounds of each step of one call (generous: a loaded machine is the point). */
const STEP_TIMEOUT_MS = 30_000;
/** Parallel PIN hashings while seeding: as many as libuv's default thread pool runs. */
const SEED_CONCURRENCY = 4;
/**
 * Sampling interval of the event-loop delay histogram. Node records the time between two
 * samples (interval + delay), so the interval is subtracted from what is printed.
 */
const LOOP_SAMPLE_MS = 10;

interface BenchUser {
  id: string;
  extension: string;
  pin: string;
}

/** The step a failed call did not get past: printed instead of the error, whose text may hold the call log (typed digits). */
type FailedStep = 'place-call' | 'welcome' | 'main-menu' | 'goodbye';

export async function loginsBench(args: string[]): Promise<number> {
  const calls = positiveInt(args, 'calls', 200);
  const concurrency = positiveInt(args, 'concurrency', 20);
  const timeScale = positiveNumber(args, 'speed', 0.05);

  console.log(describeMachine());
  // The end-to-end tests' assembly with production timings (a PIN ends with '#', so they add
  // no latency, and long waits cannot fire spuriously when the event loop is busy).
  const rig = await startHarness({ timeScale, app: { timings: DEFAULT_TIMINGS, playbackTimeoutMs: 120_000 } });
  try {
    const seedStart = performance.now();
    const users = await seed(rig.app.store, calls);
    console.log(`seeded 1 location and ${users.length} users with PINs in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const latencies: number[] = [];
    const failures = new Map<FailedStep, number>();
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    loopDelay.enable();
    const runStart = performance.now();
    await runConcurrently(calls, concurrency, async (i) => {
      const user = users[i] as BenchUser;
      const outcome = await oneLogin(rig.double, user);
      if (typeof outcome === 'number') latencies.push(outcome);
      else failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
    });
    const runMs = performance.now() - runStart;
    loopDelay.disable();

    const sorted = [...latencies].sort((a, b) => a - b);
    const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? 'n/a' : `${v.toFixed(1)} ms`);
    const failed = calls - latencies.length;
    console.log(`calls ${calls}, concurrency ${concurrency}, timeScale ${timeScale}`);
    console.log(`success ${latencies.length}/${calls}${failed ? ` (failed: ${[...failures].map(([step, n]) => `${n} at ${step}`).join(', ')})` : ''}`);
    console.log(`PIN '#' -> main menu: p50 ${ms(percentile(sorted, 0.5))}  p95 ${ms(percentile(sorted, 0.95))}  p99 ${ms(percentile(sorted, 0.99))}  max ${ms(sorted[sorted.length - 1])}`);
    console.log(`throughput ${(latencies.length / (runMs / 1000)).toFixed(1)} logins/s (${(runMs / 1000).toFixed(1)} s for all calls, each call start to end)`);
    const delayMs = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_SAMPLE_MS);
    console.log(`event-loop delay during the calls: p99 ${ms(delayMs(loopDelay.percentile(99)))}  mean ${ms(delayMs(loopDelay.mean))}  max ${ms(delayMs(loopDelay.max))}`);
    return failed > 0 ? 1 : 0;
  } finally {
    await rig.close();
  }
}

/** Location `paris` (portal 8000) and `count` users who can log in straight to the main menu. */
async function seed(store: Store, count: number): Promise<BenchUser[]> {
  await store.addLocation(
    { id: 'paris', name: 'Paris', portalExtension: PORTAL_EXTENSION, portalNumber: '+33100000000', language: 'en', timeZone: 'Europe/Paris' },
    'bench',
  );
  const policy = await store.getPolicy();
  const pinLength = Math.min(Math.max(policy.minLength, 6), policy.maxLength);
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i++) {
    const extension = String(100_000 + i);
    const pin = randomPin(pinLength, (p) => checkPinForUser(p, policy, { extension }) === null);
    users.push({ id: `bench${i}`, extension, pin });
  }
  await runConcurrently(count, SEED_CONCURRENCY, async (i) => {
    const user = users[i] as BenchUser;
    await store.createUser({ id: user.id, locationId: 'paris', extension: user.extension }, 'bench');
    await store.selfServiceSetPin(user.id, user.pin, 'bench');
    await store.markNameRecorded(user.id, 'bench');
  });
  return users;
}

/** One caller's login; resolves to the PIN latency (ms) or to the step that failed. Never rejects. */
async function oneLogin(double: Pick<AsteriskDoubleControl, 'placeCall'>, user: BenchUser): Promise<number | FailedStep> {
  let call: SimCall;
  try {
    call = await double.placeCall({ callerNumber: user.extension, extension: PORTAL_EXTENSION, args: ['portal', 'paris', 'internal'] });
  } catch {
    return 'place-call';
  }
  if (call.stasisFailed) return 'place-call';
  let step: FailedStep = 'welcome';
  try {
    await call.waitFor((e) => e.kind === 'media-started' && e.uri === WELCOME, STEP_TIMEOUT_MS);
    step = 'main-menu';
    // Registered before the keys are sent, so the time is taken the moment the double logs it.
    let menuAt = Number.NaN;
    const menu = call.waitFor((e) => {
      if (e.kind !== 'media-started' || e.uri !== MAIN_MENU) return false;
      menuAt = performance.now();
      return true;
    }, STEP_TIMEOUT_MS);
    menu.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    await call.press(`${user.pin}#`);
    // press() resolves synchronously after sending '#': the app cannot have seen it yet.
    const sentAt = performance.now();
    await menu;
    step = 'goodbye';
    await call.press('9');
    const end = await within(call.ended, STEP_TIMEOUT_MS);
    if (end?.by !== 'app-hangup') throw new Error('the app did not hang up');
    return menuAt - sentAt;
  } catch {
    if (call.state !== 'ended') await call.hangup().catch(() => undefined);
    return step;
  }
}
