/**
 * End-to-end harness: the unchanged application (src/app.ts) against the ARI test double
 * and a private Redis. Tests place calls through the double's control API and read what the
 * caller heard and what Redis holds.
 */
import path from 'node:path';
import { startApp, type App, type AppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import { silentLogger, type Logger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import { AsteriskDouble } from '../double';
import type { CallLogEntry, PlaceCallOptions, SimCall } from '../double/control';
import { startTestRedis, type TestRedis } from './redis';

export const ARI_USER = 'voice-portal';
export const ARI_PASS = 'test-ari-password';
/** 32 random bytes, hex: the shape config.ts insists on (drawn with openssl rand -hex 32). */
export const PEPPER = '117821c8defffbdbdb3e6a933f1d79ca58844a1ccde8296390646539e70bbb78';
const SOUNDS_DIR = path.resolve(__dirname, '../../sounds');

/** Fast but ordered: prompts at 1/20 of their length, short waits for keys. */
export const TEST_TIMINGS = {
  firstDigitTimeoutMs: 600,
  interDigitTimeoutMs: 300,
};
export const TIME_SCALE = 0.05;

export interface Harness {
  double: AsteriskDouble;
  redis: TestRedis;
  app: App;
  /** A second store connection, as an administrator's CLI would have. */
  admin: Store;
  call(opts: Partial<PlaceCallOptions> & { callerNumber: string }): Promise<SimCall>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  app?: AppOptions;
  restartableRedis?: boolean;
  logger?: Logger;
  /** The double's time scale (default TIME_SCALE). */
  timeScale?: number;
  /** More environment for the application's configuration (e.g. SMTP_URL, MAIL_FROM). */
  env?: Record<string, string>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  // Each part's clean-up is kept as soon as it started, so a failure half-way still stops
  // what was started and the process can exit.
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error(`harness clean-up failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  try {
    const redis = await startTestRedis({ restartable: opts.restartableRedis });
    cleanups.push(() => redis.stop());
    const double = await AsteriskDouble.start({
      username: ARI_USER,
      password: ARI_PASS,
      timeScale: opts.timeScale ?? TIME_SCALE,
      soundsDirs: [SOUNDS_DIR],
      // Asterisk's core sounds (beep, digits) have no file here: they exist with a default length.
      knownSounds: '*',
    });
    cleanups.push(() => double.close());
    const config = loadConfig({
      NODE_ENV: 'test',
      ARI_URL: double.url,
      ARI_USERNAME: ARI_USER,
      ARI_PASSWORD: ARI_PASS,
      REDIS_URL: redis.url,
      PIN_PEPPER: PEPPER,
      ...opts.env,
    });
    const logger = opts.logger ?? silentLogger();
    const app = startApp(config, logger, {
      timings: TEST_TIMINGS,
      playbackTimeoutMs: 2000,
      ...opts.app,
    });
    cleanups.push(() => app.stop());
    await waitUntil(() => double.registeredApps().includes(config.ari.app), 10_000, 'the app registers with ARI');
    const admin = openStore({ redis: config.redis, pepper: PEPPER, logger, connectionName: 'test-admin' });
    // Closed before the app (clean-ups run in reverse).
    cleanups.push(async () => {
      await admin.close();
    });
    return {
      double,
      redis,
      app,
      admin,
      // Issue #11: calls from the organisation's own phones, as the shipped dialplan marks them.
      call: (o) => double.placeCall({ extension: '8000', args: ['portal', 'paris', 'internal'], ...o }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const PROMPT_PREFIX = 'sound:voice-portal/';

/** What the caller heard: prompt ids for the portal's prompts, other media as their URI. */
export function heard(call: SimCall): string[] {
  return call.heard().map((uri) => (uri.startsWith(PROMPT_PREFIX) ? uri.slice(PROMPT_PREFIX.length) : uri));
}

/**
 * How long a test waits for something the caller should hear or do before it fails. A hang
 * guard, not a bound on the product: generous, so that a machine with both cores busy
 * (issue #13 item 6) does not fail a test whose behaviour is right. Bounds a test asserts come
 * from the double's simulated time or the application's own timeouts.
 */
export const HANG_GUARD_MS = 30_000;

/** Resolve once the caller starts hearing the n-th (1-based, counted over the call) occurrence of `prompt`. */
export async function hears(call: SimCall, prompt: string, occurrence = 1, timeoutMs = HANG_GUARD_MS): Promise<void> {
  let seen = 0;
  const uri = prompt.includes(':') ? prompt : PROMPT_PREFIX + prompt;
  await call.waitFor((e: CallLogEntry) => e.kind === 'media-started' && e.uri === uri && ++seen === occurrence, timeoutMs);
}

/** Resolve once the prompt finished playing (to the end or stopped). */
export async function heardToEnd(call: SimCall, prompt: string, occurrence = 1, timeoutMs = HANG_GUARD_MS): Promise<void> {
  let seen = 0;
  const uri = prompt.includes(':') ? prompt : PROMPT_PREFIX + prompt;
  await call.waitFor((e: CallLogEntry) => e.kind === 'media-finished' && e.uri === uri && ++seen === occurrence, timeoutMs);
}

/** The call ended; resolves with how. */
export async function ended(call: SimCall, timeoutMs = HANG_GUARD_MS): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`call did not end; heard: ${heard(call).join(', ')}`)), timeoutMs);
  });
  try {
    return (await Promise.race([call.ended, timeout])).by;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The caller records something: waits for the recording to start, talks for `seconds`
 * (Asterisk time), then presses `#`. Resolves when Asterisk finished the recording.
 */
export async function recordVoice(call: SimCall, seconds: number, occurrence = 1): Promise<void> {
  let started = 0;
  const startedEntry = await call.waitFor((e) => e.kind === 'recording-started' && ++started === occurrence, HANG_GUARD_MS);
  const name = startedEntry.kind === 'recording-started' ? startedEntry.name : '';
  call.speak(seconds);
  await new Promise((r) => setTimeout(r, seconds * 1000 * TIME_SCALE + 40));
  await call.press('#');
  await call.waitFor((e) => e.kind === 'recording-finished' && e.name === name, HANG_GUARD_MS);
}

/** Location `paris` (portal extension 8000, number +33100000000) with an admin passcode. */
export const PARIS = {
  id: 'paris',
  name: 'Paris',
  portalExtension: '8000',
  portalNumber: '+33100000000',
  language: 'en',
  timeZone: 'Europe/Paris',
};
export const ADMIN_PASSCODE = '902741';
export const DEFAULT_PIN = '739153';

/** Own phone: the welcome, `pin` then `#`, and the main menu starts. */
export async function logInFromOwnPhone(call: SimCall, pin: string): Promise<void> {
  await hears(call, 'welcome');
  await call.press(`${pin}#`);
  await hears(call, 'main-menu');
}

/**
 * From a phone that is no user's: for each mailbox in turn, the mailbox then `pin`, each
 * followed by `#` (the first at the welcome, the next ones after "invalid passcode").
 */
export async function tryMailboxesFromOtherPhone(call: SimCall, mailboxes: string[], pin: string): Promise<void> {
  for (const [i, mailbox] of mailboxes.entries()) {
    if (i === 0) await hears(call, 'welcome-enter-mailbox');
    else await hears(call, 'enter-mailbox', i);
    await call.press(`${mailbox}#`);
    await hears(call, 'enter-passcode', i + 1);
    await call.press(`${pin}#`);
  }
}
