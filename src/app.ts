/**
 * The application, assembled: the store, the ARI engine, and the portal flows serving every
 * call. `main.ts` runs it from the environment; the end-to-end tests and the demo run this
 * same function against the ARI test double, so what they exercise is the real thing.
 */
import { startAriEngine, type AriEngine, type ReconnectOptions } from './ari';
import type { Config } from './config';
import type { Logger } from './log';
import { DEFAULT_TIMINGS, DEFAULT_VOICEMAIL, type PortalTimings, type VoicemailSettings } from './portal/deps';
import { handlePortalCall } from './portal/entry';
import { Lamps } from './portal/lamps';
import { CallGate, type DrainReport } from './shutdown';
import { openMessageStore, openStore, type MessageStore, type Store } from './store';

export interface AppOptions {
  /** Override the portal's waits (tests shorten them). */
  timings?: Partial<PortalTimings>;
  /** Bound of one media item that never finishes (default: the engine's). */
  playbackTimeoutMs?: number;
  /** Bound of one ARI REST request (default: the engine's, 10 s). */
  restTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  /** Voicemail limits (message length, mailbox size); defaults DEFAULT_VOICEMAIL. */
  voicemail?: Partial<VoicemailSettings>;
}

export interface App {
  readonly engine: AriEngine;
  readonly store: Store;
  /** Voice messages (own Redis connection, closed by stop()). */
  readonly messages: MessageStore;
  /** True once drain() began: new calls are refused (and /readyz says so). */
  readonly draining: boolean;
  /**
   * Graceful shutdown, first half (src/shutdown.ts): refuse new calls, let calls in progress
   * finish for up to `graceMs`, then tell the rest "temporarily unavailable" and hang up.
   * Call stop() afterwards.
   */
  drain(graceMs: number): Promise<DrainReport>;
  stop(): Promise<void>;
}

export function startApp(config: Config, logger: Logger, options: AppOptions = {}): App {
  if (config.pinPepperIsDevelopmentDefault) {
    logger.warn('PIN_PEPPER is not set: using the public development pepper (never do this in production)');
  }
  const store = openStore({
    redis: config.redis,
    pepper: config.pinPepper,
    logger,
    webhookUrl: config.lockoutWebhookUrl,
    connectionName: 'voice-portal',
  });
  const timings: PortalTimings = { ...DEFAULT_TIMINGS, ...options.timings };
  const messages = openMessageStore({ redis: config.redis, connectionName: 'voice-portal-messages' });
  const fromEnv = Object.fromEntries(Object.entries(config.voicemail).filter(([, v]) => v !== undefined));
  const voicemail: VoicemailSettings = { ...DEFAULT_VOICEMAIL, ...fromEnv, ...options.voicemail };
  const gate = new CallGate(() => engine, logger);
  const engine: AriEngine = startAriEngine({
    config: config.ari,
    logger,
    playbackTimeoutMs: options.playbackTimeoutMs,
    restTimeoutMs: options.restTimeoutMs,
    reconnect: options.reconnect,
    onCall: (call) => gate.serve(call, (flowCall) => handlePortalCall(flowCall, { store, recordings: engine.storedRecordings, timings, logger, messages, lamps, voicemail })),
  });
  const lamps = new Lamps(engine.messageWaiting, (userId) => messages.counts(userId), logger.child({ component: 'lamps' }));
  // Every (re)connection to Asterisk: put every user's lamp right (counts changed while the
  // application was away, or Asterisk lost them). In the background: calls need not wait.
  const startedAt = Date.now();
  engine.on('state', (state) => {
    if (state !== 'connected') return;
    void resyncLamps(store, lamps, logger);
    void dropAbandonedReservations(messages, startedAt, logger);
  });
  return {
    engine,
    store,
    messages,
    get draining() {
      return gate.isDraining;
    },
    drain: (graceMs) => gate.drain(graceMs),
    async stop() {
      await engine.stop();
      await store.close();
      await messages.close();
    },
  };
}

/**
 * Deposits that were being recorded by a process that died (SIGKILL, crash) left their
 * reservations: older than this process, they cannot be ours. Dropped at every connection to
 * Asterisk (the adopted calls start over with new ones). Never throws: a reservation left
 * behind is also dropped once stale by the next deposit to that mailbox.
 */
async function dropAbandonedReservations(messages: MessageStore, startedAt: number, logger: Logger): Promise<void> {
  try {
    const dropped = await messages.dropReservationsBefore(startedAt);
    if (dropped > 0) logger.warn('dropped deposit reservations left by an earlier process', { dropped });
  } catch (err) {
    logger.warn('could not drop abandoned deposit reservations', { error: err instanceof Error ? err.message : String(err) });
  }
}

/** Every user's lamp from the message counts in Redis (never throws: lamps are best effort). */
async function resyncLamps(store: Store, lamps: Lamps, logger: Logger): Promise<void> {
  try {
    const users = await store.listUsers();
    await lamps.resync(users);
    logger.info('message-waiting lamps resynchronised', { mailboxes: users.length });
  } catch (err) {
    logger.warn('could not resynchronise the message-waiting lamps', { error: err instanceof Error ? err.message : String(err) });
  }
}
