/**
 * The simulated installation the demo runs: a private Redis, the ARI test double playing the
 * PBX, and the unchanged application (startApp) connected to it over ARI, with one location
 * and two users seeded through the store (as the admin CLI would).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { startApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import type { Logger } from '../src/log';
import { checkPinShape, DEFAULT_PIN_POLICY } from '../src/security/pin-policy';
import { Conflict, openStore, PinRejected, type Store } from '../src/store';
import { AsteriskDouble } from '../test/double';
import { startTestRedis, type TestRedis } from '../test/support/redis';
import { SOUNDS_DIR } from './media-text';

export const LOCATION = { id: 'paris', name: 'Paris office', portalExtension: '8000', portalNumber: '+33123456789', language: 'en', timeZone: 'Europe/Paris' };
export const USERS = [
  { id: 'alice', extension: '1001', displayName: 'Alice Martin' },
  { id: 'bob', extension: '1002', displayName: 'Bob Durand' },
];
const ARI_USER = 'voice-portal';

export interface DemoSetup {
  double: AsteriskDouble;
  app: App;
  /**
   * The organisation's default PIN the demo chose in its own Redis (the one PIN it prints);
   * undefined with an outside Redis (--redis-url), whose default PIN the demo never changes.
   */
  defaultPin?: string;
  /** With an outside Redis: the users the demo created there, with their random one-time PINs. */
  oneTimePins: { userId: string; extension: string; pin: string }[];
  /** With an outside Redis: the users that were there already (PINs left as they were). */
  existingUsers: string[];
  logFile: string;
  redisUrl: string;
  /** The dialplan's Stasis arguments for a number dialled (as asterisk-conf/extensions.conf). */
  stasisArgs(dialled: string): string[];
  /** True for a user's extension: it rings, unanswered, before voicemail takes the call. */
  rings(dialled: string): boolean;
  close(): Promise<void>;
}

/** winston into a file (the transcript owns stdout); errors also on stderr. */
function demoLogger(logFile: string): Logger {
  return winston.createLogger({
    level: process.env.LOG_LEVEL ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [
      new winston.transports.File({ filename: logFile }),
      // Errors also on the screen, as one readable line (the file has the whole record).
      new winston.transports.Console({
        level: 'error',
        stderrLevels: ['error'],
        format: winston.format.printf((info) => `portal error: ${String(info.message)} (details in ${logFile}; --keep-log keeps it)`),
      }),
    ],
  });
}

function randomDefaultPin(): string {
  for (;;) {
    const pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (checkPinShape(pin, DEFAULT_PIN_POLICY) === null) return pin;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The demo's own Redis: the location, the users, and a random default PIN it prints. */
async function seedOwn(store: Store): Promise<Pick<DemoSetup, 'defaultPin' | 'oneTimePins' | 'existingUsers'>> {
  await store.addLocation(LOCATION, 'demo');
  let defaultPin = randomDefaultPin();
  for (;;) {
    try {
      await store.setDefaultPin(defaultPin, 'demo');
      break;
    } catch (err) {
      if (!(err instanceof PinRejected)) throw err;
      defaultPin = randomDefaultPin();
    }
  }
  for (const user of USERS) await store.createUser({ ...user, locationId: LOCATION.id }, 'demo');
  return { defaultPin, oneTimePins: [], existingUsers: [] };
}

/**
 * A Redis the demo did not start (--redis-url): it adds what is missing and changes nothing
 * that is there. The default PIN is never set or changed; a user the demo creates gets a
 * random one-time PIN (printed once, to be changed at the first call); a user that exists
 * keeps its PIN.
 */
async function seedOutside(store: Store): Promise<Pick<DemoSetup, 'defaultPin' | 'oneTimePins' | 'existingUsers'>> {
  try {
    await store.addLocation(LOCATION, 'demo');
  } catch (err) {
    if (!(err instanceof Conflict)) throw err;
  }
  const oneTimePins: DemoSetup['oneTimePins'] = [];
  const existingUsers: string[] = [];
  for (const user of USERS) {
    try {
      await store.createUser({ ...user, locationId: LOCATION.id }, 'demo');
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      existingUsers.push(user.id);
      continue;
    }
    oneTimePins.push({ userId: user.id, extension: user.extension, pin: await store.issueRandomPin(user.id, 'demo') });
  }
  return { defaultPin: undefined, oneTimePins, existingUsers };
}

function redisServerOnPath(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

/**
 * The demo's pepper. Given one (PIN_PEPPER / PIN_PEPPER_FILE), that one, checked like the
 * application's. Otherwise: with the demo's own throwaway Redis, a fresh random pepper per run
 * (nothing outlives the run, so nothing needs a pepper that does); with a Redis of the
 * user's (--redis-url), the public development pepper, so that the next run against the same
 * Redis still matches its fingerprint.
 */
function demoPepper(ownRedis: boolean): Record<string, string | undefined> {
  const { PIN_PEPPER, PIN_PEPPER_FILE } = process.env;
  if (PIN_PEPPER || PIN_PEPPER_FILE || !ownRedis) return { PIN_PEPPER, PIN_PEPPER_FILE };
  return { PIN_PEPPER: randomBytes(32).toString('hex') };
}

/**
 * `redisUrl`: a Redis of the user's, given explicitly (--redis-url); otherwise the demo starts
 * its own (an exported REDIS_URL is never used: the demo must not write into real data).
 * `keepLog`: leave the log file at the end (otherwise it is removed).
 */
export async function startDemo(opts: { timeScale: number; portalTimingScale: number; redisUrl?: string; keepLog?: boolean }): Promise<DemoSetup> {
  const logFile = path.join(tmpdir(), `voice-portal-demo-${process.pid}.log`);
  const logger = demoLogger(logFile);
  let redis: TestRedis | undefined;
  let redisUrl = opts.redisUrl;
  if (!redisUrl) {
    if (!redisServerOnPath()) throw new Error('redis-server is not on PATH: install it (apt-get install redis-server) or pass --redis-url <url>');
    redis = await startTestRedis({ restartable: true }); // always a child redis-server, no persistence
    redisUrl = redis.url;
  }
  const password = randomBytes(12).toString('hex');
  const double = await AsteriskDouble.start({
    username: ARI_USER,
    password,
    timeScale: opts.timeScale,
    soundsDirs: [SOUNDS_DIR],
    // Asterisk's core sounds (beep, digits) have no file here: they exist with a default length.
    knownSounds: '*',
  });
  const config = loadConfig({
    NODE_ENV: 'development',
    ARI_URL: double.url,
    ARI_USERNAME: ARI_USER,
    ARI_PASSWORD: password,
    REDIS_URL: redisUrl,
    ...demoPepper(redis !== undefined),
  });
  const k = opts.portalTimingScale;
  const app = startApp(config, logger, {
    // Faster speeds shorten the portal's waits for keys too, with floors that keep the
    // event round trips (a few ms) far below them.
    timings: { firstDigitTimeoutMs: Math.max(600, 5000 * k), interDigitTimeoutMs: Math.max(300, 3000 * k) },
  });
  const admin = openStore({ redis: config.redis, pepper: config.pinPepper, logger, connectionName: 'voice-portal-demo-seed' });
  const close = async (): Promise<void> => {
    await app.stop();
    await admin.close();
    await double.close();
    await redis?.stop();
    await new Promise<void>((resolve) => {
      logger.on('finish', () => resolve());
      logger.end();
    });
    if (!opts.keepLog) rmSync(logFile, { force: true });
  };
  try {
    await waitUntil(() => double.registeredApps().includes(config.ari.app), 15_000, 'the portal connects to the simulated PBX');
    const seeded = redis ? await seedOwn(admin) : await seedOutside(admin);
    // As the shipped dialplan (asterisk-conf/extensions.conf): the portal extension and the
    // voicemail key are dialled from the organisation's own phones (marked `internal`, so
    // own-phone logins work); the portal number comes in from a trunk (unmarked, untrusted).
    const internal = new Set([LOCATION.portalExtension, '*97']);
    const fromTrunk = new Set([LOCATION.portalNumber, LOCATION.portalNumber.slice(1)]);
    const extensions = new Set(USERS.map((u) => u.extension));
    return {
      double,
      app,
      ...seeded,
      logFile,
      redisUrl,
      stasisArgs: (dialled) =>
        internal.has(dialled)
          ? ['portal', LOCATION.id, 'internal']
          : fromTrunk.has(dialled)
            ? ['portal', LOCATION.id]
            : extensions.has(dialled)
              ? ['deposit', dialled, 'unavailable'] // Dial() unanswered → voicemail
              : [],
      rings: (dialled) => extensions.has(dialled),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
