/**
 * One simulated inbound call (a PJSIP channel that the dialplan handed to `Stasis(app,…)`):
 * its ARI JSON, the events it produces, its operation queue and the caller's side (keys,
 * speech, BYE). Sequences follow the captures: StasisStart in state Ring, answer →
 * ChannelStateChange Up, BYE → ChannelHangupRequest (no cause) → … → StasisEnd, and no
 * ChannelDestroyed because the app did not originate the channel (README §7).
 */
import { shownKey, type CallEnd, type CallLogEntry, type SimCall } from './control';
import type { SimClock } from './clock';
import { ContinueOp, type LogInput, type MediaContext, type MediaOp, PlaybackOp, RecordingOp, type RecordingRequest } from './media-ops';
import type { SoundCatalogue } from './sounds';
import { asteriskTimestamp, type ChannelJson, type EventBody } from './wire';

/** What a channel needs from the rest of the double. */
export interface ChannelHost {
  readonly clock: SimClock;
  readonly sounds: SoundCatalogue;
  /** Sends to the app's socket, or drops the event when it has none. */
  emit(app: string, body: EventBody): void;
  storedRecordingSec(name: string): number | undefined;
  storeRecording(name: string, format: string, durationSec: number, append: boolean): void;
  forgetPlayback(op: PlaybackOp): void;
  forgetRecording(op: RecordingOp): void;
  /** The channel left Stasis for good. */
  channelGone(channel: SimChannel): void;
}

export interface ChannelIdentity {
  id: string;
  name: string;
  app: string;
  args: string[];
  callerNumber: string;
  callerName: string;
  extension: string;
  context: string;
  language: string;
  protocolId: string;
}

/** What chan_pjsip sets just before a SIP BYE is processed (sipp-*-events.jsonl). */
const RTP_QOS_VARIABLES: Array<[string, string]> = [
  ['RTPAUDIOQOS', 'ssrc=34544989;themssrc=235223118;lp=0;rxjitter=0.000000;rxcount=50;txjitter=0.000500;txcount=128;rlp=0;rtt=0.000000;rxmes=88.087887;txmes=0.000000'],
  ['RTPAUDIOQOSJITTER', 'minrxjitter=000.000000;maxrxjitter=000.001000;avgrxjitter=000.000473;stdevrxjitter=000.000181;mintxjitter=000.000000;maxtxjitter=000.000500;avgtxjitter=000.000250;stdevtxjitter=000.000250;'],
  ['RTPAUDIOQOSLOSS', '  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;'],
  ['RTPAUDIOQOSRTT', '     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;'],
  ['RTPAUDIOQOSMES', '   minrxmes=088.087887;   maxrxmes=088.087887;   avgrxmes=088.087887;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;'],
];

interface Waiter {
  match: (e: CallLogEntry) => boolean;
  resolve: (e: CallLogEntry) => void;
  /** The call ended without the entry: it can never come. */
  fail: () => void;
}

export class SimChannel implements SimCall {
  readonly log: CallLogEntry[] = [];
  readonly ended: Promise<CallEnd>;
  stasisFailed = false;
  private channelState: 'Ring' | 'Up' = 'Ring';
  private alive = false;
  private over = false;
  private resolveEnded!: (end: CallEnd) => void;
  private readonly queue: MediaOp[] = [];
  private current: MediaOp | undefined;
  private readonly speech: Array<{ start: number; end: number }> = [];
  private readonly waiters = new Set<Waiter>();
  private readonly creationtime = asteriskTimestamp();
  private readonly ctx: MediaContext;

  constructor(
    private readonly host: ChannelHost,
    readonly identity: ChannelIdentity,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.ctx = this.mediaContext();
  }

  get channelId(): string {
    return this.identity.id;
  }
  get channelName(): string {
    return this.identity.name;
  }
  get app(): string {
    return this.identity.app;
  }
  get state(): 'Ring' | 'Up' | 'ended' {
    return this.over ? 'ended' : this.channelState;
  }
  /** In Stasis: REST operations work on it (otherwise they get 404 Channel not found). */
  get inStasis(): boolean {
    return this.alive;
  }

  json(): ChannelJson {
    const id = this.identity;
    return {
      id: id.id,
      name: id.name,
      state: this.channelState,
      protocol_id: id.protocolId,
      caller: { name: id.callerName, number: id.callerNumber },
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: {
        context: id.context,
        exten: id.extension,
        // The captured dialplan runs a NoOp at priority 1, then Stasis at priority 2.
        priority: 2,
        app_name: 'Stasis',
        app_data: [id.app, ...id.args].join(','),
      },
      creationtime: this.creationtime,
      language: id.language,
    };
  }

  /* ------------------------------------------------------------------ lifecycle (double) */

  enterStasis(): void {
    this.alive = true;
    this.emit({ type: 'StasisStart', timestamp: asteriskTimestamp(), args: [...this.identity.args], channel: this.json() });
    this.addLog({ kind: 'stasis-start', args: [...this.identity.args] });
  }

  /** Stasis() failed at once: the app does not exist. The dialplan goes on without the app. */
  failStasis(): void {
    this.stasisFailed = true;
    this.over = true;
    this.resolveEnded({ by: 'stasis-failed' });
    this.failWaiters();
  }

  /** Asterisk stopped: the channel vanishes, the app hears nothing more of it. */
  dropSilently(): void {
    if (this.over) return;
    this.alive = false;
    this.over = true;
    this.discardOps();
    this.addLog({ kind: 'hangup', by: 'asterisk-stopped' });
    this.resolveEnded({ by: 'asterisk-stopped' });
    this.failWaiters();
  }

  /* ------------------------------------------------------------------ REST side (the app) */

  answer(): void {
    if (this.channelState === 'Up') return;
    this.channelState = 'Up';
    this.emit({ type: 'ChannelStateChange', timestamp: asteriskTimestamp(), channel: this.json() });
    this.addLog({ kind: 'answered' });
  }

  /** A playback for this channel; the caller registers it, then enqueue()s it. */
  newPlayback(id: string, media: string[], lang: string | undefined): PlaybackOp {
    return new PlaybackOp(this.ctx, id, media, lang || this.identity.language);
  }

  newRecording(req: RecordingRequest): RecordingOp {
    return new RecordingOp(this.ctx, req);
  }

  /** Queues an operation behind the running one (or starts it now when idle). */
  enqueue(op: MediaOp): void {
    this.queue.push(op);
    if (!this.current) this.runNext();
  }

  continueInDialplan(): void {
    this.enqueue(new ContinueOp(this.ctx));
  }

  /** DELETE /channels/{id}: README §7 order for a channel the app did not originate. */
  hangupByApp(): void {
    if (!this.alive) return;
    this.addLog({ kind: 'hangup', by: 'app-hangup' });
    // `cause` 32 / `soft` is Asterisk's soft-hangup flag, whatever `reason` was given.
    this.emit({ cause: 32, soft: true, type: 'ChannelHangupRequest', timestamp: asteriskTimestamp(), channel: this.json() });
    this.current?.hangup();
    this.leaveStasis('app-hangup');
  }

  /* ------------------------------------------------------------------ caller side (SimCall) */

  async press(keys: string, opts: { gapMs?: number; durationMs?: number } = {}): Promise<void> {
    const gapMs = opts.gapMs ?? 200;
    const durationMs = opts.durationMs ?? 100;
    const digits = [...keys];
    for (let i = 0; i < digits.length; i++) {
      // Key i starts at i × gap; Asterisk reports it when the key is released.
      await this.host.clock.sleep(i === 0 ? durationMs : gapMs);
      if (!this.alive) return;
      this.receiveDtmf(digits[i], durationMs);
    }
  }

  speak(seconds: number): void {
    if (!this.alive) return;
    const start = Date.now();
    this.speech.push({ start, end: start + this.host.clock.scale(seconds * 1000) });
    if (this.current instanceof RecordingOp) this.current.onSpeech();
  }

  async hangup(): Promise<void> {
    if (!this.alive) return;
    this.addLog({ kind: 'hangup', by: 'caller' });
    if (this.identity.name.startsWith('PJSIP/')) {
      for (const [variable, value] of RTP_QOS_VARIABLES) {
        this.emit({ variable, value, type: 'ChannelVarset', timestamp: asteriskTimestamp(), channel: this.json() });
      }
    }
    this.emit({ type: 'ChannelHangupRequest', timestamp: asteriskTimestamp(), channel: this.json() });
    this.current?.hangup();
    this.leaveStasis('caller');
  }

  heard(): string[] {
    return this.log.flatMap((e) => (e.kind === 'media-started' ? [e.uri] : []));
  }

  /**
   * The first log entry that matches, waiting up to `timeoutMs` for it. Rejects as soon as the
   * call ends without it: a test waiting for a prompt of a call that is over fails at once, and
   * no timer outlives the call to hold the test process.
   */
  waitFor(match: (e: CallLogEntry) => boolean, timeoutMs = 5000): Promise<CallLogEntry> {
    const found = this.log.find(match);
    if (found) return Promise.resolve(found);
    const ended = (): Error => new Error(`waitFor: the call ended without it on ${this.channelName}; log: ${this.logForMessage()}`);
    if (this.over) return Promise.reject(ended());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(e);
        },
        fail: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(ended());
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`waitFor timed out after ${timeoutMs} ms on ${this.channelName}; log so far: ${this.logForMessage()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /* ------------------------------------------------------------------ internals */

  private receiveDtmf(digit: string, durationMs: number): void {
    this.emit({ type: 'ChannelDtmfReceived', timestamp: asteriskTimestamp(), digit, duration_ms: durationMs, channel: this.json() });
    this.addLog({ kind: 'dtmf', digit });
    // DTMF never stops a playback (README §3); it may end a recording (terminateOn).
    if (this.current instanceof RecordingOp) this.current.onDtmf(digit);
  }

  private runNext(): void {
    if (this.current || !this.alive) return;
    const op = this.queue.shift();
    if (!op) return;
    this.current = op;
    op.run(() => {
      if (this.current !== op) return; // hung up meanwhile
      this.current = undefined;
      this.runNext();
    });
  }

  private leaveStasis(by: CallEnd['by']): void {
    if (!this.alive) return;
    this.alive = false;
    this.over = true;
    this.discardOps();
    if (by === 'continue') this.addLog({ kind: 'hangup', by });
    this.emit({ type: 'StasisEnd', timestamp: asteriskTimestamp(), channel: this.json() });
    this.addLog({ kind: 'stasis-end' });
    this.host.channelGone(this);
    this.resolveEnded({ by });
    this.failWaiters();
  }

  /** The log for a failure message, its keys as shownKey shows them. */
  private logForMessage(): string {
    return JSON.stringify(this.log.map((e) => (e.kind === 'dtmf' ? { ...e, digit: shownKey(e.digit) } : e)));
  }

  private failWaiters(): void {
    for (const w of [...this.waiters]) w.fail();
  }

  private discardOps(): void {
    const ops = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = undefined;
    for (const op of ops) op.drop();
  }

  private emit(body: EventBody): void {
    this.host.emit(this.identity.app, body);
  }

  private addLog(entry: LogInput): void {
    const logged = { ...entry, at: entry.at ?? Date.now() } as CallLogEntry;
    this.log.push(logged);
    for (const w of [...this.waiters]) if (w.match(logged)) w.resolve(logged);
  }

  private mediaContext(): MediaContext {
    const host = this.host;
    return {
      id: this.identity.id,
      clock: host.clock,
      sounds: host.sounds,
      emit: (body) => this.emit(body),
      log: (entry) => this.addLog(entry),
      storedRecordingSec: (name) => host.storedRecordingSec(name),
      storeRecording: (name, format, sec, append) => host.storeRecording(name, format, sec, append),
      forgetPlayback: (op) => host.forgetPlayback(op),
      forgetRecording: (op) => host.forgetRecording(op),
      talkingMsBetween: (from, to) => this.talkingMsBetween(from, to),
      speakingUntil: () => this.speech.reduce((max, s) => Math.max(max, s.end), 0),
      leaveStasis: (by) => this.leaveStasis(by),
    };
  }

  private talkingMsBetween(from: number, to: number): number {
    let realMs = 0;
    for (const s of this.speech) realMs += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
    return realMs / this.host.clock.timeScale;
  }
}
