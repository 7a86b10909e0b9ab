/**
 * The application's logger: a level that is off costs nothing (its entry is never built into
 * a line), and a level turned on later logs again. What reaches stderr is what is asserted.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createLogger, flushLogs, LOG_FLUSH_MS, type Logger } from '../src/log';
import { prepareCli, REPO, type PreparedCli } from './cli/support';

/** The logger's lines, read from a stream put in place of its stderr transport. */
function capture(logger: Logger): { lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  logger.clear().add(new winston.transports.Stream({ stream }));
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes the enabled levels as JSON lines, with a child’s fields', () => {
    const logger = createLogger({ level: 'info', json: true });
    const out = capture(logger);
    logger.info('started', { port: 1 });
    logger.child({ channel: 'c1' }).warn('odd');
    expect(out.lines().map(({ timestamp: _t, ...rest }) => rest)).toEqual([
      { level: 'info', message: 'started', port: 1 },
      { level: 'warn', message: 'odd', channel: 'c1' },
    ]);
  });

  it('does not even read the fields of a level that is off, and logs it once turned on', () => {
    const logger = createLogger({ level: 'info', json: true });
    const out = capture(logger);
    const child = logger.child({ channel: 'c1' });
    let read = 0;
    const meta = {
      get digits(): number {
        read += 1;
        return 3;
      },
    };
    logger.debug('gather ended', meta);
    child.debug('gather ended', meta);
    expect(read).toBe(0);
    expect(out.lines()).toEqual([]);
    logger.level = 'debug';
    child.debug('gather ended', meta);
    expect(out.lines()).toMatchObject([{ level: 'debug', message: 'gather ended', channel: 'c1', digits: 3 }]);
  });
});

describe('the lines reaching stderr', () => {
  /**
   * Runs `body` with a fresh info-level JSON logger and what it writes to stderr, write by
   * write (nothing reaches the test's own stderr); the logger is closed and stderr restored after.
   */
  async function withStderrWrites(body: (logger: Logger, writes: string[]) => void | Promise<void>): Promise<void> {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(chunk.toString());
      return true;
    });
    const logger = createLogger({ level: 'info', json: true });
    try {
      await body(logger, writes);
    } finally {
      logger.close();
      spy.mockRestore();
    }
  }
  const messages = (write: string): unknown[] =>
    write
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { message: unknown }).message);

  it('leave together, in order, at most LOG_FLUSH_MS after the first of them', () => {
    // Simulated time: on a busy machine a real 10 ms sleep can outlast the 50 ms batch.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    return withStderrWrites((logger, writes) => {
      logger.info('one');
      logger.child({ channel: 'c1' }).info('two');
      jest.advanceTimersByTime(LOG_FLUSH_MS / 5);
      logger.debug('not logged at info');
      logger.info('three');
      jest.advanceTimersByTime(LOG_FLUSH_MS - LOG_FLUSH_MS / 5 - 1);
      expect(writes).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(writes).toHaveLength(1);
      expect(messages(writes[0])).toEqual(['one', 'two', 'three']);
      logger.info('four');
      jest.advanceTimersByTime(LOG_FLUSH_MS);
      expect(writes.map(messages)).toEqual([['one', 'two', 'three'], ['four']]);
    }).finally(() => jest.useRealTimers());
  });

  it('are written at once, with those waiting before them, by a warning or an error', () =>
    withStderrWrites((logger, writes) => {
      logger.info('waiting');
      logger.warn('odd');
      expect(writes.map(messages)).toEqual([['waiting', 'odd']]);
      logger.error('broken');
      expect(writes.map(messages)).toEqual([['waiting', 'odd'], ['broken']]);
    }));

  it('are written at once by flushLogs, before a line written to stderr by other means', () =>
    withStderrWrites((logger, writes) => {
      logger.info('pending');
      expect(writes).toEqual([]);
      flushLogs();
      process.stderr.write('voice-portal: fatal: boom\n');
      expect(writes).toHaveLength(2);
      expect(messages(writes[0])).toEqual(['pending']);
      expect(writes[1]).toBe('voice-portal: fatal: boom\n');
      logger.close();
      expect(writes).toHaveLength(2);
    }));

  it('are written at once when a burst passes 64 KiB', () =>
    withStderrWrites((logger, writes) => {
      const filler = 'x'.repeat(1000);
      for (let i = 0; i < 70; i += 1) logger.info('burst', { i, filler });
      // The first 64 KiB at once, without waiting for the timer; the rest when the logger closes.
      expect(writes).toHaveLength(1);
      logger.close();
      expect(writes).toHaveLength(2);
      const lines = writes.flatMap((w) => w.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { i: number }).i));
      expect(lines).toEqual(Array.from({ length: 70 }, (_, i) => i));
    }));
});

describe('a process that exits', () => {
  let built: PreparedCli;
  beforeAll(() => {
    built = prepareCli();
  });
  afterAll(() => built?.cleanup());

  it('still writes the lines it logged just before process.exit', () => {
    const logModule = path.join(built.cwd, 'src', 'log.js');
    const script = `
      const { createLogger } = require(${JSON.stringify(logModule)});
      const logger = createLogger({ level: 'info', json: true });
      for (let i = 0; i < 5; i += 1) logger.info('before exit', { i });
      process.exit(3);
    `;
    const run = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, NODE_PATH: path.join(REPO, 'node_modules') },
    });
    expect({ status: run.status, stderr: run.status === 3 ? '' : run.stderr }).toEqual({ status: 3, stderr: '' });
    const lines = run.stderr
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { message: string; i: number });
    expect(lines.map((l) => [l.message, l.i])).toEqual([0, 1, 2, 3, 4].map((i) => ['before exit', i]));
  });
});
