/**
 * winston set-up: JSON lines when stderr is not a TTY (production, containers), readable lines on
 * a terminal. Loggers for a call are children carrying `channel`, so every line of one call
 * can be found. Never pass a PIN, a passcode or typed digits to a logger.
 */
import winston from 'winston';
import TransportStream from 'winston-transport';

export type Logger = winston.Logger;

export function createLogger(opts: { level?: string; json?: boolean } = {}): Logger {
  const json = opts.json ?? !process.stderr.isTTY;
  const format = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), jsonLine())
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
  const logger = winston.createLogger({ level: opts.level ?? 'info', format, transports: [new BatchedStderr()] });
  skipDisabledLevels(logger);
  return logger;
}

/** winston's own JSON format, for what JSON.stringify refuses (a cycle, a BigInt). */
const safeJson = winston.format.json();

/**
 * The line as JSON. logform's json() configures its serializer anew for every line, sorts the
 * keys and calls a replacer for every value: under load that was most of the CPU a log line
 * cost. JSON.stringify does the same job natively for what the portal logs (strings, numbers,
 * plain objects); anything it cannot serialize goes through json() as before.
 */
const jsonLine = winston.format((info) => {
  try {
    info[MESSAGE] = JSON.stringify(info);
    return info;
  } catch {
    return safeJson.transform(info, safeJson.options);
  }
});

/** Where winston's formats leave the finished line and the bare level (triple-beam's MESSAGE, LEVEL). */
const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');
/** Levels whose lines are written at once, with the lines still waiting before them. */
const URGENT_LEVELS: ReadonlySet<unknown> = new Set(['error', 'warn']);

/** How long a line may wait for others before the lines leave in one write. */
export const LOG_FLUSH_MS = 50;
/** Pending text that is written at once, whatever the time. */
const LOG_FLUSH_BYTES = 64 * 1024;

/** The flush of every logger's pending lines (see flushLogs). */
const openBatches = new Set<() => void>();

/**
 * Lines reach stderr in batches: those logged within LOG_FLUSH_MS of the first one leave
 * together in one write, and a warning or an error leaves at once with those before it.
 * Under load the portal logs a few lines per call, and every write to a pipe is a system
 * call plus a wake-up of its reader (journald, a container runtime) that cost more CPU than
 * making the line. Lines keep their order. Whatever is pending when the process exits
 * (process.exit, an uncaught exception, the end of main) is written then: stderr is
 * synchronous for files, pipes and terminals on Linux. Only a process killed outright
 * (SIGKILL, the OOM killer) loses its last LOG_FLUSH_MS of info and debug lines.
 */
class BatchedStderr extends TransportStream {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    process.stderr.write(text);
  };

  constructor() {
    super();
    openBatches.add(this.flush);
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const line = `${String(info[MESSAGE])}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (URGENT_LEVELS.has(info[LEVEL]) || this.pendingBytes >= LOG_FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(this.flush, LOG_FLUSH_MS).unref();
    next();
  }

  override close(): void {
    this.flush();
    openBatches.delete(this.flush);
  }
}

/** Write every logger's pending lines now: before a line written to stderr by other means. */
export function flushLogs(): void {
  for (const flush of openBatches) flush();
}
// One listener for every logger, however many a process creates.
process.on('exit', flushLogs);

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
