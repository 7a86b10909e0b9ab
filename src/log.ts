/**
 * winston set-up: JSON lines when stderr is not a TTY (production, containers), readable lines on
 * a terminal. Loggers for a call are children carrying `channel`, so every line of one call
 * can be found. Never pass a PIN, a passcode or typed digits to a logger.
 */
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(opts: { level?: string; json?: boolean } = {}): Logger {
  const json = opts.json ?? !process.stderr.isTTY;
  const format = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
    : winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.errors({ stack: true }),
        winston.format.colorize(),
        winston.format.printf(({ timestamp, level, message, ...meta }) => {
          const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${rest}`;
        }),
      );
  // stderr for everything: stdout stays free for the CLI's output and the demo's phone.
  const logger = winston.createLogger({
    level: opts.level ?? 'info',
    format,
    transports: [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
  });
  skipDisabledLevels(logger);
  return logger;
}

/**
 * winston formats every entry (timestamp, JSON) before its transport drops the levels it does
 * not log, so each `debug` of a call (one per key gathered) cost a JSON line thrown away.
 * Each level's method now returns at once when the level is off (read at every call, so a
 * logger whose level changes later still logs what it should). Children inherit it.
 */
function skipDisabledLevels(logger: winston.Logger): void {
  const methods = logger as unknown as Record<string, winston.LeveledLogMethod>;
  for (const level of Object.keys(logger.levels)) {
    const log = methods[level];
    if (typeof log !== 'function') continue;
    methods[level] = function (this: winston.Logger, ...args: unknown[]) {
      const self = this ?? logger;
      if (!self.isLevelEnabled(level)) return self;
      return (log as (...a: unknown[]) => winston.Logger).apply(self, args);
    } as winston.LeveledLogMethod;
  }
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
