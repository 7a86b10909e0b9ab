/**
 * Redis command latency for /metrics, without wrapping every store call: every connection the
 * store opens (src/store/connection.ts) hands each command it writes to `commandSent`, which
 * times it from that first write to its reply and tells the observers `(command, seconds, ok)`.
 * Only the command name leaves (lower-cased; a script's EVAL/EVALSHA is `eval`): never a key
 * or an argument.
 *
 * Not ioredis' `ioredis:command` tracing channel: with a subscriber, ioredis builds a context
 * for every command (its arguments copied and matched against a dozen patterns) and wraps its
 * promise in another, which cost the portal more CPU per login call than the measuring itself.
 *
 * Observers are process-wide: every store connection in the process is observed (the
 * application's store and message store); a dedicated connection for one blocking reader is
 * not (connection.ts), its commands wait for news by design.
 */

export type RedisCommandObserver = (command: string, seconds: number, ok: boolean) => void;

/** What connection.ts knows of an ioredis command. */
export interface SentCommand {
  readonly name: string;
  readonly promise: Promise<unknown>;
}

const observers = new Set<RedisCommandObserver>();
/** Commands timed already: a Cluster redirection or a resend after a reconnection writes one again. */
const timed = new WeakSet<SentCommand>();
/** Labels by command name: a few dozen names, from the store's own code. */
const labels = new Map<string, string>();
const MAX_LABELS = 256;

/** A bounded label: the store uses a few dozen commands; anything odd is `other`. */
function commandLabel(name: string): string {
  let label = labels.get(name);
  if (label !== undefined) return label;
  const lower = name.toLowerCase();
  label = lower === 'evalsha' ? 'eval' : /^[a-z]{2,16}$/.test(lower) ? lower : 'other';
  if (labels.size < MAX_LABELS) labels.set(name, label);
  return label;
}

/** A command is being written to Redis (called by the store's connections, once per write). */
export function commandSent(command: SentCommand): void {
  if (observers.size === 0 || timed.has(command)) return;
  timed.add(command);
  const label = commandLabel(command.name);
  const start = performance.now();
  const finish = (ok: boolean): void => {
    const seconds = (performance.now() - start) / 1000;
    for (const observer of observers) observer(label, seconds, ok);
  };
  command.promise.then(
    () => finish(true),
    () => finish(false),
  );
}

/** Observe every Redis command of this process until the returned function is called. */
export function observeRedisCommands(observer: RedisCommandObserver): () => void {
  // A function of its own per call: the same observer registered twice is observed twice.
  const entry: RedisCommandObserver = (command, seconds, ok) => observer(command, seconds, ok);
  observers.add(entry);
  return () => observers.delete(entry);
}
