/**
 * The application, assembled: the store, one ARI engine per Asterisk server, and the portal
 * flows serving every call. `main.ts` runs it from the environment; the end-to-end tests and
 * the demo run this same function against the ARI test double, so what they exercise is the
 * real thing.
 *
 * High availability (issue #14, README "High availability"):
 * - ARI_SERVERS: one engine per Asterisk server, one store. A call is served with the stored
 *   recordings of the server it came through; lamps go to every server of the user's
 *   location (MWI_SERVERS, default all).
 * - ARI_LEASE=on: each server's engine starts as a standby (REST only, no events socket) and
 *   follows that server's lease keeper (src/ha/lease-keeper.ts): it opens the socket when the
 *   lease is taken and lets go of the calls (without hanging up) when it is lost.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { recordingFilesOnServers, recordingFilesOverHttp, startAriEngine, type AriEngine, type RecordingFiles, type ReconnectOptions } from './ari';
import type { AriServerConfig, Config } from './config';
import { LeaseKeeper, type LeaseState } from './ha/lease-keeper';
import type { Logger } from './log';
import { DEFAULT_TIMINGS, DEFAULT_VOICEMAIL, type PortalTimings, type VoicemailSettings } from './portal/deps';
import { countLocksFromAudit } from './metrics/audit-counter';
import { PrometheusMetrics } from './metrics/prometheus';
import { timedHasher } from './metrics/timed-hasher';
import { handlePortalCall } from './portal/entry';
import { Lamps, LampsOnServers, type MailboxLamps } from './portal/lamps';
import { createSmtpTransport, MailWorker, type MailClock } from './mail';
import type { MessageMail } from './portal/deps';
import { CallGate, type DrainReport } from './shutdown';
import { defaultPinHasher, openLeaseStore, openMessageStore, openStore, type LeaseStore, type MessageStore, type Store, type StoreOptions } from './store';
import { observeRedisCommands } from './store/command-timing';

export interface AppOptions {
  /** Override the portal's waits (tests shorten them). */
  timings?: Partial<PortalTimings>;
  /** Bound of one media item that never finishes (default: the engine's). */
  playbackTimeoutMs?: number;
  /** Bound of one ARI REST request (default: the engine's, 10 s). */
  restTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  /** Voicemail limits (message length, mailbox size); defaults DEFAULT_VOICEMAIL. */
  voicemail?: Partial<VoicemailSettings>;
  /** Tests and benchmarks only: the store's hasher (to hold a verification open) and clock. */
  store?: Pick<StoreOptions, 'hasher' | 'clock'>;
  /** prom-client's default process metrics in /metrics (default true; tests turn them off). */
  processMetrics?: boolean;
  /** Tests: the mail worker's clock and retry delays (config.mail turns e-mail on). */
  mail?: { clock?: MailClock; retryDelaysMs?: number[]; idlePollMs?: number };
}

/** One Asterisk server as the application serves it. */
export interface ServedServer {
  readonly name: string;
  readonly url: string;
  readonly engine: AriEngine;
  /** With ARI_LEASE=on: the server's lease keeper. */
  readonly lease?: LeaseKeeper;
}

export interface App {
  /** The first server's engine (the only one without ARI_SERVERS). */
  readonly engine: AriEngine;
  /** Every Asterisk server served, in ARI_SERVERS order. */
  readonly servers: readonly ServedServer[];
  readonly store: Store;
  /** Voice messages (own Redis connection, closed by stop()). */
  readonly messages: MessageStore;
  /** What /metrics serves (issue #14). */
  readonly metrics: PrometheusMetrics;
  /** Message-waiting lamps (the self-service API refreshes them after a save or a delete). */
  readonly lamps: MailboxLamps;
  /** Stored recordings and their audio over ARI REST, from any server that answers. */
  readonly recordingFiles: RecordingFiles;
  /** The e-mail worker, when SMTP_URL is set. */
  readonly mailWorker: MailWorker | undefined;
  /** True once drain() began: new calls are refused (and /readyz says so). */
  readonly draining: boolean;
  /** Lease state per server (empty without ARI_LEASE=on): for /readyz and metrics. */
  leaseStates(): LeaseState[];
  /** Calls in progress over every server. */
  activeCallCount(): number;
  /**
   * Planned handover (SIGTERM with ARI_LEASE=on): release every lease held now so that a
   * standby takes over at once; calls in progress are served until the new holder's socket
   * replaces ours (it adopts them) or the drain ends. No-op without leases.
   */
  handOver(): Promise<void>;
  /**
   * Graceful shutdown, first half (src/shutdown.ts): refuse new calls, let calls in progress
   * finish for up to `graceMs`, then tell the rest "temporarily unavailable" and hang up.
   * Call stop() afterwards.
   */
  drain(graceMs: number): Promise<DrainReport>;
  stop(): Promise<void>;
}

/** This process's lease holder id: readable in /readyz and logs, unique per process. */
function holderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function startApp(config: Config, logger: Logger, options: AppOptions = {}): App {
  if (config.pinPepperIsDevelopmentDefault) {
    logger.warn('PIN_PEPPER is not set: using the public development pepper (never do this in production)');
  }
  const metrics = new PrometheusMetrics({ defaultMetrics: options.processMetrics ?? true });
  const stopObservingRedis = observeRedisCommands((command, seconds, ok) => metrics.redisCommand(command, seconds, ok));
  const store = openStore({
    redis: config.redis,
    pepper: config.pinPepper,
    logger,
    webhookUrl: config.lockoutWebhookUrl,
    ...(config.lockoutWebhookToken !== undefined ? { webhookToken: config.lockoutWebhookToken } : {}),
    connectionName: 'voice-portal',
    ...(options.store?.clock !== undefined ? { clock: options.store.clock } : {}),
    hasher: timedHasher(options.store?.hasher ?? defaultPinHasher, (operation, seconds) => metrics.pinHashed(operation, seconds)),
    mailLockNotifications: config.mail !== undefined,
  });
  const timings: PortalTimings = { ...DEFAULT_TIMINGS, ...options.timings };
  const messages = openMessageStore({ redis: config.redis, connectionName: 'voice-portal-messages' });
  const fromEnv = Object.fromEntries(Object.entries(config.voicemail).filter(([, v]) => v !== undefined));
  const voicemail: VoicemailSettings = { ...DEFAULT_VOICEMAIL, ...fromEnv, ...options.voicemail };
  const leases: LeaseStore | undefined = config.lease.enabled
    ? openLeaseStore({ redis: config.redis, app: config.ari.app, connectionName: 'voice-portal-lease' })
    : undefined;
  const holder = holderId();
  const servers: ServedServer[] = [];
  const gate = new CallGate(
    () => ({
      async interruptCall(channelId: string, err: Error): Promise<boolean> {
        for (const server of servers) if (await server.engine.interruptCall(channelId, err)) return true;
        return false;
      },
    }),
    logger,
  );
  const lampsByServer = new Map<string, Lamps>();
  const lamps = new LampsOnServers(lampsByServer, config.mwiServers);
  const several = config.ariServers.length > 1;

  // Deposits reserved before this process started were a dead process's (see dropAbandonedReservations).
  const startedAt = Date.now();
  // Set once the servers are up (the mail worker removes recordings through one of them).
  let mail: MessageMail | undefined = undefined;
  const serve = (server: AriServerConfig, serverLogger: Logger): ServedServer => {
    const lease = leases
      ? new LeaseKeeper({
          server: server.name,
          holder,
          leases,
          ttlMs: config.lease.ttlMs,
          startDelayMs: config.lease.prefer && !config.lease.prefer.includes(server.name) ? config.lease.ttlMs : 0,
          logger: serverLogger,
        })
      : undefined;
    const engine: AriEngine = startAriEngine({
      config: { ...config.ari, url: server.url },
      logger: serverLogger,
      playbackTimeoutMs: options.playbackTimeoutMs,
      restTimeoutMs: options.restTimeoutMs,
      reconnect: options.reconnect,
      passive: lease !== undefined,
      fence: lease ? () => lease.mayAct() : undefined,
      onKeyToRequest: (seconds) => metrics.keyAnswered(seconds),
      onCall: (call) =>
        gate.serve(call, (flowCall) =>
          handlePortalCall(flowCall, { store, recordings: engine.storedRecordings, timings, logger: serverLogger, messages, lamps, voicemail, metrics, ...(mail ? { mail } : {}) }),
        ),
    });
    // Metrics per server: the ARI connection's state, and whether this instance holds the
    // server (its lease with ARI_LEASE=on, else simply a connected socket).
    const reportAri = (state: AriEngine['state']): void => {
      metrics.setAriState(server.name, state);
      if (!lease) metrics.setLeaseHolder(server.name, state === 'connected');
    };
    reportAri(engine.state);
    engine.on('state', reportAri);
    if (lease) {
      metrics.setLeaseHolder(server.name, false);
      lease.on('role', (role) => metrics.setLeaseHolder(server.name, role === 'active'));
    }
    lampsByServer.set(server.name, new Lamps(engine.messageWaiting, (userId) => messages.counts(userId), serverLogger.child({ component: 'lamps' })));
    // Every (re)connection to an Asterisk: put that server's lamps right (counts changed while
    // the application was away, or Asterisk lost them). In the background: calls need not wait.
    engine.on('state', (state) => {
      if (state !== 'connected') return;
      void resyncLamps(store, lamps, server.name, serverLogger);
      void dropAbandonedReservations(messages, startedAt, serverLogger);
    });
    if (lease) {
      lease.on('role', (role) => {
        if (role === 'active') engine.activate();
        else if (role === 'standby') engine.standDown('lease lost');
      });
      engine.on('replaced', () => void lease.lostTheApp());
      lease.start();
    }
    return { name: server.name, url: server.url, engine, lease };
  };
  for (const server of config.ariServers) {
    servers.push(serve(server, several || leases ? logger.child({ server: server.name }) : logger));
  }
  const first = servers[0];
  if (!first) throw new Error('startApp: no Asterisk server configured');
  const stopCounting = new AbortController();
  const counting = countLocksFromAudit(store, metrics, logger, stopCounting.signal);
  // The servers share their recordings: any one that answers serves them (mail, API).
  const recordingFiles = recordingFilesOnServers(config.ariServers.map((server) => recordingFilesOverHttp({ ...config.ari, url: server.url })));
  const mailWorker = config.mail ? startMailWorker(config, store, messages, recordingFiles, lamps, logger, options) : undefined;
  mail = mailWorker ? messageMail(store, mailWorker, logger) : undefined;

  return {
    engine: first.engine,
    servers,
    store,
    messages,
    metrics,
    lamps,
    recordingFiles,
    mailWorker,
    get draining() {
      return gate.isDraining;
    },
    leaseStates: () => servers.flatMap((s) => (s.lease ? [s.lease.state] : [])),
    activeCallCount: () => servers.reduce((n, s) => n + s.engine.activeCallCount(), 0),
    async handOver() {
      await Promise.all(servers.map((s) => s.lease?.handOver()));
    },
    drain: (graceMs) => gate.drain(graceMs),
    async stop() {
      await mailWorker?.stop();
      await Promise.all(servers.map((s) => s.lease?.stop()));
      await Promise.all(servers.map((s) => s.engine.stop()));
      stopCounting.abort();
      await counting;
      await store.close();
      await messages.close();
      await leases?.close();
      stopObservingRedis();
    },
  };
}

/**
 * Deposits that were being recorded by a process that died (SIGKILL, crash) left their
 * reservations: older than this process, they cannot be ours. Dropped at every connection to
 * Asterisk (the adopted calls start over with new ones). Never throws: a reservation left
 * behind is also dropped once stale by the next deposit to that mailbox.
 */
async function dropAbandonedReservations(messages: MessageStore, startedAt: number, logger: Logger): Promise<void> {
  try {
    const dropped = await messages.dropReservationsBefore(startedAt);
    if (dropped > 0) logger.warn('dropped deposit reservations left by an earlier process', { dropped });
  } catch (err) {
    logger.warn('could not drop abandoned deposit reservations', { error: err instanceof Error ? err.message : String(err) });
  }
}

/** One server's lamps from the message counts in Redis (never throws: lamps are best effort). */
async function resyncLamps(store: Store, lamps: LampsOnServers, server: string, logger: Logger): Promise<void> {
  try {
    const users = await store.listUsers();
    await lamps.resyncServer(server, users);
    logger.info('message-waiting lamps resynchronised', { mailboxes: users.length });
  } catch (err) {
    logger.warn('could not resynchronise the message-waiting lamps', { error: err instanceof Error ? err.message : String(err) });
  }
}

/** Issue #16: the worker that sends the queued e-mails, in the background of this process. */
function startMailWorker(config: Config, store: Store, messages: MessageStore, files: RecordingFiles, lamps: MailboxLamps, logger: Logger, options: AppOptions): MailWorker {
  const mailConfig = config.mail as NonNullable<Config['mail']>;
  const worker = new MailWorker({
    store,
    messages,
    audio: (name) => files.fetch(name),
    removeRecording: (name) => files.remove(name),
    refreshLamp: (user) => lamps.refresh(user),
    transport: createSmtpTransport(mailConfig),
    logger: logger.child({ component: 'mail' }),
    ...(options.mail?.clock ? { clock: options.mail.clock } : {}),
    ...(options.mail?.retryDelaysMs ? { retryDelaysMs: options.mail.retryDelaysMs } : {}),
    ...(options.mail?.idlePollMs !== undefined ? { idlePollMs: options.mail.idlePollMs } : {}),
  });
  worker.start();
  return worker;
}

/** What a deposit calls: queue the e-mail the user chose (if any), then wake the worker. */
function messageMail(store: Store, worker: MailWorker, logger: Logger): MessageMail {
  return {
    messageLeft(user, messageId) {
      if (!user.email || user.emailMessages === 'off') return;
      store
        .enqueueMessageMail(user.id, messageId)
        .then(() => worker.wake())
        .catch((err: unknown) => logger.warn('could not queue the new-message e-mail', { user: user.id, messageId, error: err instanceof Error ? err.message : String(err) }));
    },
  };
}
