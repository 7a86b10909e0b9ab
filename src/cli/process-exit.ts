/**
 * Ending the CLI process without losing or garbling output.
 *
 * Why: Node writes to a pipe synchronously only while the pipe has room; once the reader is
 * slower than the CLI (`audit --json | jq`, `| wc -c`), the rest waits in the stream's
 * buffer, and a `process.exit()` right after the last write drops it — the reader got a cut
 * document and the CLI said 0. And when the reader goes away early (`| head -3`), the next
 * write fails with EPIPE, which Node raises as an unhandled 'error' (a stack trace).
 */

interface FlushableStream {
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
  readonly writableLength?: number;
}

/**
 * A reader that closed the pipe has taken all it wanted: stop quietly (exit 0, as `head`
 * expects of the programs it reads from), without a stack trace. Other stream errors are
 * reported in the CLI's one-line form.
 */
export function guardClosedPipes(...streams: FlushableStream[]): void {
  for (const stream of streams) {
    stream.on('error', (err) => {
      if (err.code === 'EPIPE') process.exit(0);
      process.stderr.write(`error: cannot write output: ${err.message}\n`);
      process.exit(1);
    });
  }
}

/** Wait until every stream has handed its buffered output to the OS, then exit with `code`. */
export function exitWhenFlushed(code: number, ...streams: FlushableStream[]): void {
  // An empty write's callback runs after every write queued before it has completed.
  const flushed = streams.map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve())));
  void Promise.all(flushed).then(() => process.exit(code));
}
