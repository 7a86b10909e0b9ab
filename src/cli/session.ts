/**
 * One CLI run's shared state: the global options, the streams, the operator, and the store,
 * opened lazily (usage errors and `--help` never touch Redis) and only once it answers.
 */
import { userInfo } from 'node:os';
import { createLogger, silentLogger } from '../log';
import { openStore, type Store } from '../store';
import { displayRedisUrl, loadCliConfig, operatorName } from './config';
import { CliError, EXIT } from './errors';
import type { Output } from './output';
import type { SecretInput, SecretIo } from './pin-input';

export interface CliStreams {
  stdin: SecretInput;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface GlobalOptions {
  json?: boolean;
  redisUrl?: string;
  debug?: boolean;
}

/** Redis must answer within this long (SPEC: exit 3 "within 2 s"). */
export const CONNECT_DEADLINE_MS = 2000;
/** How long one readiness probe may wait (the store's own wait for a connection). */
const PROBE_MS = 500;

export class Session {
  private opened: Store | undefined;

  constructor(
    private readonly env: Record<string, string | undefined>,
    readonly streams: CliStreams,
    private readonly globals: () => GlobalOptions,
  ) {}

  get json(): boolean {
    return Boolean(this.globals().json);
  }

  get debug(): boolean {
    return Boolean(this.globals().debug);
  }

  get out(): Output {
    return { stdout: this.streams.stdout, json: this.json };
  }

  /** Prompts go to stderr: stdout carries only the result (and the --json document). */
  get secrets(): SecretIo {
    return { input: this.streams.stdin, prompts: this.streams.stderr };
  }

  /** The audit trail's actor for every write of this run. */
  get actor(): string {
    return operatorName(this.env, () => {
      try {
        return userInfo().username;
      } catch {
        return 'unknown';
      }
    });
  }

  /** The store, connected; CliError(exit 3) when Redis does not answer within the deadline. */
  async store(): Promise<Store> {
    if (this.opened) return this.opened;
    const config = loadCliConfig(this.env, this.globals().redisUrl);
    const store = openStore({
      redis: config.redis,
      pepper: config.pepper,
      // Without --debug the only output on stderr is the `error:` line.
      logger: this.debug ? createLogger({ level: 'debug' }) : silentLogger(),
      connectionName: 'voice-portal-cli',
    });
    this.opened = store;
    const deadline = Date.now() + CONNECT_DEADLINE_MS;
    for (;;) {
      if (await store.ping()) return store;
      if (Date.now() + PROBE_MS > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new CliError(
      `cannot reach Redis at ${displayRedisUrl(config.redis.url)} within ${CONNECT_DEADLINE_MS / 1000} s (down, unreachable, or refusing the credentials)`,
      EXIT.unavailable,
    );
  }

  async close(): Promise<void> {
    const store = this.opened;
    this.opened = undefined;
    if (store) await store.close();
  }
}
