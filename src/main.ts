#!/usr/bin/env node
/**
 * The application's entry point (`npm start` = `node dist/src/main.js`): configuration from
 * the environment, logging, the application (store + ARI engine + portal flows), the health
 * server, and the graceful shutdown.
 *
 * Exit codes: 0 after a graceful shutdown · 1 the health port cannot be bound, or a crash ·
 * 2 configuration error (one line on stderr, nothing started).
 *
 * Shutdown (SIGTERM or SIGINT): /readyz turns 503, new calls hear "temporarily unavailable",
 * calls in progress have SHUTDOWN_GRACE_MS to finish and are then told the same and hung up
 * (src/shutdown.ts); then ARI and Redis are closed and the process exits 0. A second signal
 * during the drain ends the remaining calls at once.
 */
import { startApiServer, type ApiServer } from './api/server';
import { startApp, type App } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { EnvFileError, envFilePath, takeEnvFileOption, withEnvFile } from './env-file';
import { startHealthServer, type HealthServer } from './http/health';
import { createLogger, flushLogs, type Logger } from './log';

/** Past this, a process that should have exited is made to (a stray timer or socket). */
const EXIT_WATCHDOG_MS = 5000;

/** The environment completed by the env file (`--env <file>`, else `.env` here; see env-file.ts). */
function readConfig(): Config | undefined {
  try {
    const { path } = takeEnvFileOption(process.argv.slice(2));
    return loadConfig(withEnvFile(process.env, envFilePath(path, process.cwd())));
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof EnvFileError)) throw err;
    process.stderr.write(`voice-portal: configuration error: ${err.message}\n`);
    return undefined;
  }
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

async function shutDown(app: App, health: HealthServer | undefined, config: Config, logger: Logger, signal: string, api?: ApiServer): Promise<void> {
  logger.warn('shutting down: draining calls', { signal, graceMs: config.shutdownGraceMs, calls: app.activeCallCount() });
  // ARI_LEASE=on: free the leases at once so that a standby takes over now, not after a ttl.
  if (config.lease.enabled) await app.handOver();
  // A second signal (an impatient operator, or the orchestrator's final word): no more grace.
  void nextSignal().then((again) => {
    logger.warn('second signal: ending the remaining calls now', { signal: again });
    void app.drain(0);
  });
  const report = await app.drain(config.shutdownGraceMs);
  logger.info('calls drained', { ...report });
  await api?.close();
  await app.stop();
  await health?.close();
  logger.info('stopped');
}

async function main(): Promise<number> {
  const config = readConfig();
  if (!config) return 2;
  const logger = createLogger({ level: config.logLevel });
  // Installed before anything starts, so an early SIGTERM still drains cleanly.
  const signal = nextSignal();
  const app = startApp(config, logger);
  let health: HealthServer | undefined;
  if (config.httpPort !== undefined) {
    try {
      health = await startHealthServer({
        port: config.httpPort,
        host: config.httpHost,
        probe: {
          redisUp: () => app.store.ping(),
          ariState: () => app.engine.state,
          draining: () => app.draining,
          ...(config.lease.enabled || app.servers.length > 1
            ? { servers: () => app.servers.map((s) => ({ name: s.name, ari: s.engine.state, ...(s.lease ? { lease: s.lease.role } : {}) })) }
            : {}),
        },
        metrics: app.metrics,
      });
      logger.info('health endpoints listening', { host: config.httpHost, port: health.port, paths: ['/healthz', '/readyz', '/metrics'] });
    } catch (err) {
      logger.error('cannot serve the health endpoints', { host: config.httpHost, port: config.httpPort, error: (err as Error).message });
      await app.stop();
      return 1;
    }
  }
  // Self-service HTTP API and "My voicemail" page (issue #15): Redis through the app's store,
  // audio over ARI REST (independent of the events socket).
  let api: ApiServer | undefined;
  if (config.api.port !== undefined) {
    try {
      api = await startApiServer({
        deps: { store: app.store, messages: app.messages, recordings: app.recordingFiles, lamps: app.lamps, logger },
        config: config.api,
      });
      logger.info('self-service API listening', { host: config.api.host, port: api.port, paths: ['/api/v1', '/my/'] });
    } catch (err) {
      logger.error('cannot serve the self-service API', { host: config.api.host, port: config.api.port, error: (err as Error).message });
      await health?.close();
      await app.stop();
      return 1;
    }
  }
  await shutDown(app, health, config, logger, await signal, api);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_WATCHDOG_MS).unref();
  },
  (err: unknown) => {
    flushLogs();
    process.stderr.write(`voice-portal: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
