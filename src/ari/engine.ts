/**
 * The call engine: keeps one ari-client connected to Asterisk for as long as it takes, turns
 * every channel entering Stasis into a `Call` handed to `onCall`, and routes the channel's
 * events to it.
 *
 * Connection life (each change logged at warn and emitted as 'state'):
 *   connecting → connected ⇄ reconnecting → … ; standby (app taken over) ; stopped.
 * - ari-client reconnects a dropped socket by itself (100 ms doubling to 10 s) but gives up for
 *   good after 10 tries (~43 s, WebSocketMaxRetries). Then, or when the socket has been down
 *   longer than `reconnect.clientGiveUpMs`, or when pings go unanswered, the client is retired
 *   and a fresh one is built (API docs + socket), retried with capped backoff forever.
 * - ApplicationReplaced: another socket took the app. The engine logs an error, hangs up the
 *   calls it was serving (it no longer receives their events), closes its socket and stands
 *   by: it never takes the app back.
 * - After every (re)connection, calls Asterisk no longer lists for the app are ended: their
 *   StasisEnd may have been lost while no socket was connected (Asterisk drops such events).
 *
 * Active/standby (issue #14, `passive: true`): the engine starts as a standby: it loads the API
 * docs and keeps that client for REST only (lamps, stored recordings), but opens NO events
 * socket (Asterisk gives the app to the newest socket: a standby with one would steal it).
 * `activate()` opens the socket on that client (then adopts the channels found in the app);
 * `standDown()` lets go of the calls without hanging up (the new holder adopts them), closes
 * the socket and goes back to REST only. ApplicationReplaced then means the same as a stand
 * down (emitted as 'replaced'), not a dead end. `fence` (the lease keeper's `mayAct`) is asked
 * before every REST request sent for a call and before every event is routed: a holder that
 * lost its lease while paused does not act on a call, even before it has noticed the loss.
 *
 * Listeners: one per event type on the client, registered once per client and every one
 * wrapped (a throw inside an ari-client handler wedges its socket). No per-channel listener
 * (`channel.on` registers `<Event>-<channelId>` and ari-client never removes it) is ever made.
 */
import { EventEmitter } from 'node:events';
import type { AriConfig } from '../config';
import type { Logger } from '../log';
import { connectAriClient, retireClient, type AriClient, type AriListener } from './ari-client';
import type { Call } from './call';
import { CallSession, type AriChannelJson } from './call-session';
import { AriConnectError, AriError, AriUnavailable, CallEnded } from './errors';
import { AriRest, type HttpMethod, type QueryParams } from './rest';
import { messageWaitingVia, storedRecordingsVia, type MessageWaiting, type StoredRecordings } from './media-store';
import { liveVerbTimers, type CallRest, type PlaybackEvent, type RecordingEvent, type VerbSettings } from './verb';

export type EngineState = 'connecting' | 'connected' | 'reconnecting' | 'standby' | 'stopped';

export interface ReconnectOptions {
  /** First wait before building a fresh client after a failure (default 500 ms). */
  initialDelayMs?: number;
  /** Cap of the doubling wait between fresh-client attempts (default 30 s). */
  maxDelayMs?: number;
  /**
   * Give up on ari-client's own reconnection after the socket has been down this long and
   * build a fresh client (default 60 s: ari-client's own budget of ~43 s normally ends first;
   * this is the safety net, and tests shrink it).
   */
  clientGiveUpMs?: number;
  /** Bound on one API-docs load (default 15 s). */
  connectTimeoutMs?: number;
  /** Ping the socket this often; no pong by the next ping = dead socket (default 20 s; 0 = off). */
  pingIntervalMs?: number;
}

export interface AriEngineOptions {
  config: AriConfig;
  logger: Logger;
  /** Serves one call. When it settles, a call still in Stasis is hung up. */
  onCall: (call: Call) => Promise<void>;
  /** Default bound of one media item of a playback (default 120 s). */
  playbackTimeoutMs?: number;
  /**
   * Bound on one REST request (default 10 s). ari-client has none: an Asterisk that accepts
   * the connection but never answers would otherwise hold the verb, and the caller, forever.
   * A request past it fails with AriUnavailable.
   */
  restTimeoutMs?: number;
  /** Wait past maxSeconds before a recording with no RecordingFinished is given up (default 10 s). */
  recordingGraceMs?: number;
  reconnect?: ReconnectOptions;
  /** Metrics: the DTMF-to-next-request latency of every key (src/ari/key-latency.ts). */
  onKeyToRequest?: (seconds: number) => void;
  /**
   * How a client is built (default: `connectAriClient`, i.e. ari-client). Tests replace it
   * with a fake to drive ari-client's rarer signals (WebSocketMaxRetries after ~43 s).
   */
  connectClient?: typeof connectAriClient;
  /** Start as a standby: REST client only, no events socket until `activate()`. */
  passive?: boolean;
  /** False = this instance must not act on calls now (lost lease); see the header. */
  fence?: () => boolean;
}

export interface AriEngine {
  readonly state: EngineState;
  on(event: 'state', listener: (state: EngineState) => void): this;
  off(event: 'state', listener: (state: EngineState) => void): this;
  /** Passive engines only: another socket took the app (ApplicationReplaced). */
  on(event: 'replaced', listener: () => void): this;
  /** Passive engines: open the events socket and serve (the lease was taken). */
  activate(): void;
  /**
   * Passive engines: let go of the calls without hanging up, close the events socket, keep a
   * REST client (the lease was lost or handed over).
   */
  standDown(reason: string): void;
  /** Hangs up the calls in progress, closes the socket, releases every timer. */
  stop(): Promise<void>;
  /** Calls currently being served. */
  activeCallCount(): number;
  /**
   * Graceful shutdown: stop the verb in flight on that call (its playback or recording too)
   * and reject it with `err`, leaving the call up so the application can still say
   * something. False when the engine does not serve that channel.
   */
  interruptCall(channelId: string, err: Error): Promise<boolean>;
  /**
   * Leak check: what the engine still holds for one channel: its call object, its flow
   * handler, pending verb timers, and listeners registered for it on the ari-client client
   * (`<Event>-<channelId>`, which ari-client never removes by itself). All 0 once the call
   * is over and its flow has unwound.
   */
  resourcesFor(channelId: string): EngineResources;
  /** The same, summed over every channel (listeners: all per-channel ones). */
  resourceTotals(): EngineResources;
  /** Debug: event names with listeners on the current ari-client client (sorted). */
  listenerNames(): string[];
  /** Debug: how many ari-client clients were built so far (1 + fresh rebuilds). */
  clientGeneration(): number;
  readonly storedRecordings: StoredRecordings;
  readonly messageWaiting: MessageWaiting;
}

export interface EngineResources {
  /** Call objects being served. */
  calls: number;
  /** Call flows (onCall) that have not settled yet. */
  handlers: number;
  /** Pending verb timers (gather waits, playback and recording bounds). */
  timers: number;
  /** Per-channel listeners on the ari-client client. */
  listeners: number;
}

/** Event types the engine listens to on every client it builds. */
const CHANNEL_EVENTS = [
  'StasisStart',
  'StasisEnd',
  'ChannelDtmfReceived',
  'ChannelHangupRequest',
  'PlaybackStarted',
  'PlaybackContinuing',
  'PlaybackFinished',
  'RecordingStarted',
  'RecordingFinished',
  'RecordingFailed',
] as const;

interface RawEvent {
  type?: string;
  args?: string[];
  digit?: string;
  channel?: AriChannelJson;
  playback?: { id?: string; state?: string; target_uri?: string };
  recording?: {
    name?: string;
    state?: string;
    target_uri?: string;
    duration?: number;
    talking_duration?: number;
    silence_duration?: number;
    cause?: string;
  };
}

/** `channel:<id>` → id (playbacks and recordings name their target so). */
function channelOf(targetUri: string | undefined): string | undefined {
  return targetUri?.startsWith('channel:') ? targetUri.slice('channel:'.length) : undefined;
}

class Engine extends EventEmitter implements AriEngine {
  private current: EngineState = 'connecting';
  /** Requests of calls waiting for a rebuilt client (nextClient): told of every state change. */
  private readonly stateWaiters = new Set<() => void>();
  private client: AriClient | undefined;
  private clientListeners: [string, AriListener][] = [];
  private generation = 0;
  private failures = 0;
  private readonly calls = new Map<string, CallSession>();
  private readonly handlers = new Set<Promise<void>>();
  /** Channel ids whose flow is still running (handlers, by channel, for leak checks). */
  private readonly serving = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  /** Passive mode: whether the events socket is wanted now (the lease is held). */
  private socketWanted: boolean;
  /** The client's socket was started (false for a REST-only standby client). */
  private started = false;
  /** An API-docs load is in flight (never two at once). */
  private opening = false;
  private readonly log: Logger;
  private readonly rest: CallRest;
  private readonly http: AriRest;
  private readonly timing: Required<ReconnectOptions>;
  private readonly settings: VerbSettings;

  constructor(private readonly opts: AriEngineOptions) {
    super();
    this.log = opts.logger.child({ component: 'ari' });
    this.timing = {
      initialDelayMs: opts.reconnect?.initialDelayMs ?? 500,
      maxDelayMs: opts.reconnect?.maxDelayMs ?? 30_000,
      clientGiveUpMs: opts.reconnect?.clientGiveUpMs ?? 60_000,
      connectTimeoutMs: opts.reconnect?.connectTimeoutMs ?? 15_000,
      pingIntervalMs: opts.reconnect?.pingIntervalMs ?? 20_000,
    };
    this.settings = {
      playbackTimeoutMs: opts.playbackTimeoutMs ?? 120_000,
      recordingGraceMs: opts.recordingGraceMs ?? 10_000,
      ...(opts.onKeyToRequest ? { onKeyToRequest: opts.onKeyToRequest } : {}),
    };
    this.http = new AriRest({ url: opts.config.url, username: opts.config.username, password: opts.config.password });
    this.rest = this.makeRest();
    this.socketWanted = !opts.passive;
  }

  private get passive(): boolean {
    return this.opts.passive === true;
  }

  private mayAct(): boolean {
    return this.opts.fence ? this.opts.fence() : true;
  }

  activate(): void {
    if (!this.passive || this.socketWanted || this.current === 'stopped') return;
    this.socketWanted = true;
    this.log.warn('activating: opening the ARI events socket', { app: this.opts.config.app });
    const client = this.client;
    if (client && !this.started) void this.startSocket(client);
    else if (!client && !this.opening && this.retryTimer === undefined) void this.openClient();
  }

  standDown(reason: string): void {
    if (!this.passive || this.current === 'stopped') return;
    const wasActive = this.socketWanted;
    this.socketWanted = false;
    if (!wasActive && !this.started) return;
    this.log.warn('standing down: letting go of the calls, closing the ARI events socket', { reason, callsHandedOver: this.calls.size });
    this.clearTimers();
    // Their events go to the new holder, which adopts the channels it finds in the app:
    // let go of them here without hanging up, so no caller is cut.
    for (const call of [...this.calls.values()]) call.end({ reason: 'gone' });
    this.dropClient('graceful');
    this.setState('standby');
    // Back to REST only (lamps, recordings) for as long as this instance stands by.
    if (!this.opening && this.retryTimer === undefined) void this.openClient();
  }

  // Sent while a client is connected (Asterisk known to answer), as the calls' requests are.
  readonly storedRecordings: StoredRecordings = storedRecordingsVia(() => (this.client ? this.http : undefined));
  readonly messageWaiting: MessageWaiting = messageWaitingVia(() => (this.client ? this.http : undefined));

  get state(): EngineState {
    return this.current;
  }

  activeCallCount(): number {
    return this.calls.size;
  }

  async interruptCall(channelId: string, err: Error): Promise<boolean> {
    const call = this.calls.get(channelId);
    if (!call) return false;
    await call.interrupt(err);
    return true;
  }

  resourcesFor(channelId: string): EngineResources {
    return {
      calls: this.calls.has(channelId) ? 1 : 0,
      handlers: this.serving.get(channelId) ?? 0,
      timers: liveVerbTimers(channelId),
      listeners: this.channelListeners((name) => name.endsWith(`-${channelId}`)),
    };
  }

  resourceTotals(): EngineResources {
    return {
      calls: this.calls.size,
      handlers: this.handlers.size,
      timers: liveVerbTimers(),
      // Per-channel names are `<Event>-<channelId>`; channel ids are `<epoch>.<n>`.
      listeners: this.channelListeners((name) => /-\d+\.\d+$/.test(name)),
    };
  }

  private channelListeners(match: (name: string) => boolean): number {
    const client = this.client;
    if (!client) return 0;
    let n = 0;
    for (const name of client.eventNames()) {
      if (typeof name === 'string' && match(name)) n += client.listenerCount(name);
    }
    return n;
  }

  listenerNames(): string[] {
    return (this.client?.eventNames() ?? []).map(String).sort();
  }

  clientGeneration(): number {
    return this.generation;
  }

  begin(): void {
    this.log.info('connecting to ARI', { url: this.opts.config.url, app: this.opts.config.app });
    void this.openClient();
  }

  async stop(): Promise<void> {
    if (this.current === 'stopped') return;
    this.setState('stopped');
    this.clearTimers();
    // Calls would stay in Stasis, silent, with nobody serving them: hang them up.
    await this.hangUpAll();
    for (const call of [...this.calls.values()]) call.end({ reason: 'gone' });
    this.dropClient('graceful');
    await Promise.allSettled([...this.handlers]);
    this.http.close();
  }

  // ---- connection ----------------------------------------------------------------------

  private setState(next: EngineState): void {
    if (this.current === next) return;
    const previous = this.current;
    this.current = next;
    // A replaced engine is an incident; a lease standby is doing its job.
    const level = next === 'standby' ? (this.passive ? 'info' : 'error') : 'warn';
    this.log.log(level, `ARI ${next}`, { from: previous, app: this.opts.config.app });
    this.emit('state', next);
    for (const waiter of [...this.stateWaiters]) waiter();
  }

  private halted(): boolean {
    if (this.passive) return this.current === 'stopped';
    return this.current === 'stopped' || this.current === 'standby';
  }

  /** Build a fresh client and start it; on failure, retry with capped backoff. */
  private async openClient(): Promise<void> {
    if (this.halted()) return;
    const { url, username, password } = this.opts.config;
    let client: AriClient;
    this.opening = true;
    try {
      const connect = this.opts.connectClient ?? connectAriClient;
      client = await connect(url, username, password, this.timing.connectTimeoutMs);
    } catch (err) {
      this.scheduleOpen(err as Error);
      return;
    } finally {
      this.opening = false;
    }
    if (this.halted()) {
      retireClient(client);
      return;
    }
    this.generation += 1;
    this.client = client;
    this.started = false;
    this.attach(client);
    if (!this.socketWanted) {
      this.failures = 0; // a REST-only client is all a standby needs: that was a success
      this.log.debug('ARI API docs loaded; standing by (REST only, no events socket)');
      this.setState('standby');
      return;
    }
    await this.startSocket(client);
  }

  private async startSocket(client: AriClient): Promise<void> {
    const { app } = this.opts.config;
    // A holder that lost the lease between deciding and getting here must not take the app.
    if (!this.mayAct()) {
      this.log.warn('not opening the events socket: the lease is no longer held');
      return;
    }
    this.log.debug('ARI API docs loaded; opening the event socket');
    this.started = true;
    try {
      await client.start(app);
    } catch (err) {
      // ari-client rejects start() when its first socket never opened within its 10 tries; it
      // also emits WebSocketMaxRetries, which replaces the client (once).
      this.replaceClient(client, `socket never opened: ${(err as Error).message}`);
      return;
    }
    if (this.client === client) this.onSocketOpen(client);
  }

  private scheduleOpen(err: Error): void {
    if (this.halted()) return;
    const delay = Math.min(this.timing.initialDelayMs * 2 ** this.failures, this.timing.maxDelayMs);
    this.failures += 1;
    const level = err instanceof AriConnectError && err.authentication ? 'error' : 'warn';
    this.log.log(level, 'ARI connect failed; retrying', { error: err.message, attempt: this.failures, retryInMs: delay });
    if (this.current === 'connected') this.setState('reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.openClient();
    }, delay);
  }

  private onSocketOpen(client: AriClient): void {
    if (this.client !== client || this.halted() || !this.socketWanted) return;
    this.failures = 0;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    this.setState('connected');
    this.startPings(client);
    void this.reconcile();
  }

  private onSocketLost(client: AriClient, err: unknown): void {
    if (this.client !== client || this.halted() || !this.started) return;
    this.setState('reconnecting');
    this.log.warn('ARI socket lost; ari-client is reconnecting', { error: err instanceof Error ? err.message : undefined });
    this.stopPings();
    this.tellCallsEventsLost();
    if (this.giveUpTimer === undefined) {
      this.giveUpTimer = setTimeout(() => {
        this.giveUpTimer = undefined;
        this.replaceClient(client, `socket down for more than ${this.timing.clientGiveUpMs} ms`);
      }, this.timing.clientGiveUpMs);
    }
  }

  /** Until the next socket opens (and `reconcile` resyncs them), no call hears its events. */
  private tellCallsEventsLost(): void {
    for (const call of this.calls.values()) call.eventsLost();
  }

  /** Retire `client` (if still current) and build a fresh one. */
  private replaceClient(client: AriClient, reason: string): void {
    if (this.client !== client || this.halted()) return;
    this.log.warn('giving up on this ARI client; building a fresh one', { reason });
    this.dropClient('abrupt');
    this.tellCallsEventsLost();
    this.setState('reconnecting');
    this.scheduleOpen(new AriUnavailable('connect', reason));
  }

  private dropClient(how: 'graceful' | 'abrupt'): void {
    const client = this.client;
    this.stopPings();
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    if (!client) return;
    for (const [event, listener] of this.clientListeners) client.removeListener(event, listener);
    this.clientListeners = [];
    this.client = undefined;
    this.started = false;
    retireClient(client, how);
  }

  private onReplaced(client: AriClient): void {
    if (this.client !== client || this.halted()) return;
    if (this.passive) {
      this.log.error('another connection took over the ARI app', { app: this.opts.config.app, callsHandedOver: this.calls.size });
      this.standDown('ApplicationReplaced');
      this.emit('replaced');
      return;
    }
    this.log.error('another connection took over the ARI app; standing by (not taking it back)', {
      app: this.opts.config.app,
      callsHandedOver: this.calls.size,
    });
    this.setState('standby');
    this.clearTimers();
    // Their events now go to the other connection, which adopts the channels it finds in the
    // app (see reconcile): let go of them here without hanging up, so no caller is cut.
    for (const call of [...this.calls.values()]) call.end({ reason: 'gone' });
    this.dropClient('graceful');
  }

  private startPings(client: AriClient): void {
    this.stopPings();
    if (this.timing.pingIntervalMs <= 0) return;
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.replaceClient(client, 'no pong from Asterisk');
        return;
      }
      this.awaitingPong = true;
      client.ping();
    }, this.timing.pingIntervalMs);
  }

  private stopPings(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private clearTimers(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    this.stopPings();
  }

  /**
   * After a reconnect: events sent while no socket was connected are lost. Calls that left
   * Stasis meanwhile (StasisEnd lost) are ended as gone; channels that entered Stasis
   * meanwhile (StasisStart lost) are adopted, so no caller waits in silence.
   */
  private async reconcile(): Promise<void> {
    // Only the calls known before the list was asked for can be judged by it: a StasisStart
    // that arrives while the request is out is a new call the list predates, not a lost one.
    const known = [...this.calls.values()];
    let present: Set<string>;
    try {
      const app = (await this.request('getApplication', 'GET', `/applications/${encodeURIComponent(this.opts.config.app)}`)) as { channel_ids?: string[] } | undefined;
      present = new Set(app?.channel_ids ?? []);
    } catch (err) {
      this.log.debug('could not list the app channels after reconnecting', { error: (err as Error).message });
      return;
    }
    for (const call of known) {
      if (this.calls.get(call.channelId) !== call) continue; // ended meanwhile
      if (!present.has(call.channelId)) call.end({ reason: 'gone' });
      // Its flow is over but its hang-up failed while Asterisk was unreachable: the caller
      // would otherwise stay in silence with nobody serving the channel.
      else if (!this.serving.has(call.channelId)) void call.hangup().catch((err: unknown) => call.logger.warn('hang-up after reconnecting failed', { error: String(err) }));
      else call.resync();
    }
    for (const channelId of present) {
      if (!this.calls.has(channelId)) await this.adopt(channelId);
    }
  }

  /**
   * A channel in our app that we never heard of: its StasisStart was lost. Its Stasis
   * arguments are still in the channel's dialplan application data ("app,arg1,arg2"), so it
   * is served exactly as if the StasisStart had arrived.
   */
  private async adopt(channelId: string): Promise<void> {
    let channel: AriChannelJson;
    try {
      channel = (await this.request('getChannel', 'GET', `/channels/${encodeURIComponent(channelId)}`)) as AriChannelJson;
    } catch (err) {
      this.log.debug('could not read a channel to adopt', { channel: channelId, error: (err as Error).message });
      return;
    }
    const appData = channel.dialplan?.app_name === 'Stasis' ? (channel.dialplan.app_data ?? '') : '';
    const [app, ...args] = appData.split(',');
    if (app !== this.opts.config.app) return; // in our app through another way (e.g. originated): not ours to serve
    this.log.warn('serving a call whose StasisStart was lost while disconnected', { channel: channelId });
    this.onStasisStart({ type: 'StasisStart', channel, args });
  }

  private async hangUpAll(): Promise<void> {
    await Promise.allSettled([...this.calls.values()].map((call) => call.hangup()));
  }

  // ---- events ----------------------------------------------------------------------------

  /** Every listener goes through here: a throw must never reach ari-client's socket handler. */
  private listen(client: AriClient, event: string, handler: (raw: RawEvent) => void): void {
    const listener: AriListener = (raw) => {
      try {
        handler((raw ?? {}) as RawEvent);
      } catch (err) {
        this.log.error('ARI event handler failed', { event, error: (err as Error).stack ?? String(err) });
      }
    };
    client.on(event, listener);
    this.clientListeners.push([event, listener]);
  }

  private attach(client: AriClient): void {
    this.listen(client, 'WebSocketConnected', () => this.onSocketOpen(client));
    this.listen(client, 'WebSocketReconnecting', (err) => this.onSocketLost(client, err));
    this.listen(client, 'WebSocketMaxRetries', () => this.replaceClient(client, 'ari-client gave up reconnecting (10 tries)'));
    this.listen(client, 'ApplicationReplaced', () => this.onReplaced(client));
    this.listen(client, 'pong', () => {
      this.awaitingPong = false;
    });
    for (const type of CHANNEL_EVENTS) this.listen(client, type, (event) => this.route(type, event));
  }

  private route(type: (typeof CHANNEL_EVENTS)[number], event: RawEvent): void {
    // Fenced: a holder that lost its lease (e.g. woke from a pause) ignores what it reads.
    if (!this.mayAct()) return;
    if (type === 'StasisStart') {
      this.onStasisStart(event);
      return;
    }
    if (type.startsWith('Playback')) {
      const playback = event.playback;
      const call = this.calls.get(channelOf(playback?.target_uri) ?? '');
      if (call && playback?.id) {
        call.handlePlayback({ type: type as PlaybackEvent['type'], playbackId: playback.id, state: playback.state ?? '' });
      }
      return;
    }
    if (type.startsWith('Recording')) {
      const rec = event.recording;
      const call = this.calls.get(channelOf(rec?.target_uri) ?? '');
      if (call && rec?.name) {
        call.handleRecording({
          type: type as RecordingEvent['type'],
          name: rec.name,
          state: rec.state ?? '',
          duration: rec.duration,
          talkingDuration: rec.talking_duration,
          silenceDuration: rec.silence_duration,
          cause: rec.cause,
        });
      }
      return;
    }
    const call = this.calls.get(event.channel?.id ?? '');
    if (!call) return;
    if (type === 'ChannelDtmfReceived') {
      if (typeof event.digit === 'string') call.handleDtmf(event.digit);
    } else if (type === 'ChannelHangupRequest') {
      call.handleHangupRequest();
    } else if (type === 'StasisEnd') {
      call.end({ reason: 'stasis-end' });
    }
  }

  private onStasisStart(event: RawEvent): void {
    const channel = event.channel;
    if (!channel?.id || this.halted()) return;
    if (this.calls.has(channel.id)) return;
    const logger = this.opts.logger.child({ channel: channel.id });
    const call = new CallSession(channel, event.args ?? [], this.rest, logger, this.settings, (ended) => {
      this.calls.delete(ended.channelId);
    });
    this.calls.set(channel.id, call);
    logger.info('call started', { name: channel.name, extension: call.extension, args: call.args });
    const handling = this.serve(call);
    this.handlers.add(handling);
    this.serving.set(channel.id, (this.serving.get(channel.id) ?? 0) + 1);
    void handling.finally(() => {
      this.handlers.delete(handling);
      const left = (this.serving.get(channel.id) ?? 1) - 1;
      if (left > 0) this.serving.set(channel.id, left);
      else this.serving.delete(channel.id);
    });
  }

  private async serve(call: CallSession): Promise<void> {
    try {
      await this.opts.onCall(call);
    } catch (err) {
      if (err instanceof CallEnded) call.logger.debug('call flow unwound after the call ended');
      else call.logger.error('call flow failed', { error: (err as Error).stack ?? String(err) });
    }
    if (!call.isEnded) {
      try {
        await call.hangup();
      } catch (err) {
        call.logger.warn('hang-up after the flow failed', { error: (err as Error).message });
      }
    }
  }

  // ---- REST, through whichever client is current ------------------------------------------

  private async request(operation: string, method: HttpMethod, path: string, query?: QueryParams): Promise<unknown> {
    const limitMs = this.opts.restTimeoutMs ?? 10_000;
    const deadline = Date.now() + limitMs;
    if (!this.client) await this.nextClient(operation, limitMs);
    if (!this.mayAct()) throw new AriUnavailable(operation, 'this instance no longer holds the lease for this Asterisk server');
    const leftMs = Math.max(0, deadline - Date.now());
    return this.http.send(operation, method, path, query, leftMs, limitMs);
  }

  /**
   * A call's request while the client is being rebuilt (the old one retired, the new one not
   * yet connected): it waits for the new client's socket, within the request's own bound,
   * instead of failing at once. Failing at once left such a caller in silence: the flow's
   * "temporarily unavailable" is a request too, and failed the same instant. Once connected,
   * the call goes on if Asterisk still has it (reconcile ends the ones it lost).
   */
  private nextClient(operation: string, limitMs: number): Promise<AriClient> {
    // Only these states build a client; stopped and standby (halted) never will.
    const coming = (): boolean => this.current === 'reconnecting' || this.current === 'connecting';
    if (!coming()) return Promise.reject(new AriUnavailable(operation, 'not connected to Asterisk'));
    return new Promise<AriClient>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.stateWaiters.delete(onState);
      };
      const onState = (): void => {
        if (this.current === 'connected' && this.client) {
          done();
          resolve(this.client);
        } else if (!coming()) {
          done();
          reject(new AriUnavailable(operation, 'not connected to Asterisk'));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new AriUnavailable(operation, `not connected to Asterisk within ${limitMs} ms`));
      }, limitMs);
      this.stateWaiters.add(onState);
    });
  }

  /** True when Asterisk answers 404 for the resource; other failures reject. */
  private async gone(operation: string, path: string): Promise<boolean> {
    try {
      await this.request(operation, 'GET', path);
      return false;
    } catch (err) {
      if (err instanceof AriError && err.status === 404) return true;
      throw err;
    }
  }

  private makeRest(): CallRest {
    const id = encodeURIComponent;
    const done = (): void => undefined;
    return {
      answer: (channelId) => this.request('answer', 'POST', `/channels/${id(channelId)}/answer`).then(done),
      play: (channelId, media, lang, playbackId) =>
        this.request('play', 'POST', `/channels/${id(channelId)}/play`, { media, lang, playbackId }).then(done),
      stopPlayback: (playbackId) => this.request('stopPlayback', 'DELETE', `/playbacks/${id(playbackId)}`).then(done),
      record: (channelId, o) =>
        this.request('record', 'POST', `/channels/${id(channelId)}/record`, {
          name: o.name,
          format: o.format,
          maxDurationSeconds: o.maxDurationSeconds,
          maxSilenceSeconds: o.maxSilenceSeconds,
          ifExists: o.ifExists,
          beep: o.beep,
          terminateOn: o.terminateOn,
        }).then(done),
      stopRecording: (recordingName) => this.request('stopRecording', 'POST', `/recordings/live/${id(recordingName)}/stop`).then(done),
      playbackGone: (playbackId) => this.gone('playbackGone', `/playbacks/${id(playbackId)}`),
      liveRecordingGone: (recordingName) => this.gone('liveRecordingGone', `/recordings/live/${id(recordingName)}`),
      hangup: (channelId) => this.request('hangup', 'DELETE', `/channels/${id(channelId)}`).then(done),
      continueInDialplan: (channelId) => this.request('continueInDialplan', 'POST', `/channels/${id(channelId)}/continue`).then(done),
    };
  }
}

/** Start the engine: it connects in the background and keeps connecting until stopped. */
export function startAriEngine(opts: AriEngineOptions): AriEngine {
  const engine = new Engine(opts);
  engine.begin();
  return engine;
}
