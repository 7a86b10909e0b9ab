/**
 * One CLI run's shared state: the global options, the streams, the operator, and the store,
 * opened lazily (usage errors and `--help` never touch Redis) and only once it answers.
 */
import { userInfo } from 'node:os';
import { createLogger, silentLogger } from '../log';
import { openStore, type Store } from '../store';
import { colourWanted, paint } from './colour';
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
  /** `-o json|table|wide`: json is --json; wide adds columns to tables. */
  output?: 'json' | 'table' | 'wide';
  /** false with --no-headers. */
  headers?: boolean;
  /** -y, --yes: destructive --force operations without the question. */
  yes?: boolean;
  redisUrl?: string;
  debug?: boolean;
}

/** Redis must answer within this long, else the command fails with exit code 3 (unavailable). */
export const CONNECT_DEADLINE_MS = 2000;
/** How long one readiness probe may wait (the store's own wait for a connection). */
const PROBE_MS = 500;
/**
 * How long the CLI waits, after its command, for lockout-webhook deliveries still in
 * progress (a process that exits drops them). Enough for a first try and two retries
 * (0.5 s, 2 s) against a receiver that answers.
 */
export const WEBHOOK_DRAIN_MS = 5000;

export class Session {
  private opened: Store | undefined;

  constructor(
    private readonly env: Record<string, string | undefined>,
    readonly streams: CliStreams,
    private readonly globals: () => GlobalOptions,
  ) {}

  get json(): boolean {
    return Boolean(this.globals().json) || this.globals().output === 'json';
  }

  get yes(): boolean {
    return Boolean(this.globals().yes);
  }

  get debug(): boolean {
    return Boolean(this.globals().debug);
  }

  get out(): Output {
    const globals = this.globals();
    return {
      stdout: this.streams.stdout,
      json: this.json,
      headers: globals.headers !== false,
      wide: globals.output === 'wide',
      colour: !this.json && colourWanted(this.streams.stdout, this.env),
    };
  }

  /** Colour on stderr (the `error:` and `warning:` prefixes). */
  get errorColour(): boolean {
    return colourWanted(this.streams.stderr, this.env);
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
      ...(config.webhookUrl !== undefined ? { webhookUrl: config.webhookUrl } : {}),
      ...(config.webhookToken !== undefined ? { webhookToken: config.webhookToken } : {}),
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
      `cannot reach ${config.redis.clusterNodes ? `the Redis Cluster at ${config.redis.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}` : `Redis at ${displayRedisUrl(config.redis.url)}`} within ${CONNECT_DEADLINE_MS / 1000} s (down, unreachable, or refusing the credentials)`,
      EXIT.unavailable,
    );
  }

  /**
   * The store for a command that writes: refused (PepperMismatch, exit 1) before anything
   * else, in particular before an operator types a PIN, when this CLI's pepper is not the
   * one Redis was set up with. The store checks again on the write itself.
   */
  async writableStore(): Promise<Store> {
    const store = await this.store();
    await store.checkPepper();
    return store;
  }

  /**
   * Close the store, waiting up to WEBHOOK_DRAIN_MS for lockout notifications in flight.
   * After a successful command, notifications not delivered get one `warning:` line on
   * stderr (`failed`: the command already printed its one `error:` line, nothing is added).
   */
  async close(failed = false): Promise<void> {
    const store = this.opened;
    this.opened = undefined;
    if (!store) return;
    const { webhooksUndelivered } = await store.close({ drainWebhookMs: WEBHOOK_DRAIN_MS });
    if (webhooksUndelivered > 0 && !failed) {
      this.streams.stderr.write(
        `${paint('warn', 'warning:', this.errorColour)} the lockout webhook (LOCKOUT_WEBHOOK_URL) did not accept ${webhooksUndelivered} notification(s) within ${WEBHOOK_DRAIN_MS / 1000} s; the audit trail has them\n`,
      );
    }
  }
}
