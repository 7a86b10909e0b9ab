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
import { startApp, type App } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { EnvFileError, envFilePath, takeEnvFileOption, withEnvFile } from './env-file';
import { startHealthServer, type HealthServer } from './http/health';
import { createLogger, type Logger } from './log';

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

async function shutDown(app: App, health: HealthServer | undefined, config: Config, logger: Logger, signal: string): Promise<void> {
  logger.warn('shutting down: draining calls', { signal, graceMs: config.shutdownGraceMs, calls: app.engine.activeCallCount() });
  // A second signal (an impatient operator, or the orchestrator's final word): no more grace.
  void nextSignal().then((again) => {
    logger.warn('second signal: ending the remaining calls now', { signal: again });
    void app.drain(0);
  });
  const report = await app.drain(config.shutdownGraceMs);
  logger.info('calls drained', { ...report });
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
        probe: { redisUp: () => app.store.ping(), ariState: () => app.engine.state, draining: () => app.draining },
      });
      logger.info('health endpoints listening', { host: config.httpHost, port: health.port, paths: ['/healthz', '/readyz'] });
    } catch (err) {
      logger.error('cannot serve the health endpoints', { host: config.httpHost, port: config.httpPort, error: (err as Error).message });
      await app.stop();
      return 1;
    }
  }
  await shutDown(app, health, config, logger, await signal);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_WATCHDOG_MS).unref();
  },
  (err: unknown) => {
    process.stderr.write(`voice-portal: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
