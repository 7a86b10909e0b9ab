/**
 * The application, assembled: the store, the ARI engine, and the portal flows serving every
 * call. `main.ts` runs it from the environment; the end-to-end tests and the demo run this
 * same function against the ARI test double, so what they exercise is the real thing.
 */
import { startAriEngine, type AriEngine, type ReconnectOptions } from './ari';
import type { Config } from './config';
import type { Logger } from './log';
import { DEFAULT_TIMINGS, type PortalTimings } from './portal/deps';
import { handlePortalCall } from './portal/entry';
import { openStore, type Store } from './store';

export interface AppOptions {
  /** Override the portal's waits (tests shorten them). */
  timings?: Partial<PortalTimings>;
  /** Bound of one media item that never finishes (default: the engine's). */
  playbackTimeoutMs?: number;
  reconnect?: ReconnectOptions;
}

export interface App {
  readonly engine: AriEngine;
  readonly store: Store;
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
  const engine: AriEngine = startAriEngine({
    config: config.ari,
    logger,
    playbackTimeoutMs: options.playbackTimeoutMs,
    reconnect: options.reconnect,
    onCall: (call) => handlePortalCall(call, { store, recordings: engine.storedRecordings, timings, logger }),
  });
  return {
    engine,
    store,
    async stop() {
      await engine.stop();
      await store.close();
    },
  };
}
