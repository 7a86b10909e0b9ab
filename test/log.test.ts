/**
 * The application's logger: a level that is off costs nothing (its entry is never built into
 * a line), and a level turned on later logs again. What reaches stderr is what is asserted.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../src/log';

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
