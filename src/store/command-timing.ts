/**
 * Redis command latency for /metrics, without wrapping every store call: ioredis 6 publishes
 * each command on the `ioredis:command` tracing channel (node:diagnostics_channel), start and
 * end. This module turns that into `(command, seconds, ok)` for an observer. Only the command
 * name leaves (lower-cased; a script's EVAL/EVALSHA is `eval`): never a key or an argument.
 *
 * The channel is process-wide: every ioredis connection in the process is observed (the
 * application's store and message store, and their dedicated connections).
 */
import { tracingChannel } from 'node:diagnostics_channel';

export type RedisCommandObserver = (command: string, seconds: number, ok: boolean) => void;

interface CommandContext {
  command?: string;
}

const channel = tracingChannel<unknown, CommandContext & object>('ioredis:command');
/** Start times, per command context object (ioredis passes the same object to every phase). */
const startedAt = new WeakMap<object, number>();

/** A bounded label: the store uses a few dozen commands; anything odd is `other`. */
function commandLabel(name: string | undefined): string {
  const lower = (name ?? '').toLowerCase();
  if (lower === 'evalsha') return 'eval';
  return /^[a-z]{2,16}$/.test(lower) ? lower : 'other';
}

/** Observe every Redis command of this process until the returned function is called. */
export function observeRedisCommands(observer: RedisCommandObserver): () => void {
  const handlers = {
    start(context: CommandContext & object): void {
      startedAt.set(context, performance.now());
    },
    end: (): void => undefined,
    asyncStart: (): void => undefined,
    // A rejected command publishes `error` then `asyncEnd`: the first one counts.
    error(context: CommandContext & object): void {
      finish(context, false);
    },
    asyncEnd(context: CommandContext & object): void {
      finish(context, true);
    },
  };
  const finish = (context: CommandContext & object, ok: boolean): void => {
    const start = startedAt.get(context);
    if (start === undefined) return;
    startedAt.delete(context);
    observer(commandLabel(context.command), (performance.now() - start) / 1000, ok);
  };
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
