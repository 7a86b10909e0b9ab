/**
 * The simulated Asterisk itself: channels in Stasis, playbacks, live and stored recordings,
 * mailboxes and apps. The HTTP layer (http-server.ts, rest-handlers.ts) and the control API
 * (index.ts) both work on this one object.
 */
import { randomBytes } from 'node:crypto';
import type { MailboxUpdate, PlaceCallOptions, WireTap } from './control';
import { SimClock } from './clock';
import { type ChannelHost, SimChannel } from './channel';
import { EventHub } from './hub';
import type { PlaybackOp, RecordingOp } from './media-ops';
import { SoundCatalogue, type SoundCatalogueOptions } from './sounds';
import type { ApplicationJson, EventBody } from './wire';

export interface StoredRecording {
  format: string;
  durationSec: number;
}

export class Asterisk implements ChannelHost {
  readonly clock: SimClock;
  readonly sounds: SoundCatalogue;
  readonly hub: EventHub;
  /** Channels currently in Stasis, by id. */
  readonly channels = new Map<string, SimChannel>();
  readonly playbacks = new Map<string, PlaybackOp>();
  readonly liveRecordings = new Map<string, RecordingOp>();
  /** Lives "on disk": survives stopAsterisk(). */
  readonly stored: Map<string, StoredRecording>;
  readonly mailboxes = new Map<string, { oldMessages: number; newMessages: number }>();
  readonly mailboxUpdates: MailboxUpdate[] = [];
  readonly calls: SimChannel[] = [];
  private channelSeq = 0;
  private sipSeq = 0;

  constructor(opts: SoundCatalogueOptions & { timeScale: number; asteriskId: string; sharedRecordings?: Map<string, StoredRecording>; wireTap?: WireTap }) {
    this.stored = opts.sharedRecordings ?? new Map<string, StoredRecording>();
    this.clock = new SimClock(opts.timeScale);
    this.sounds = new SoundCatalogue(opts);
    this.hub = new EventHub(opts.asteriskId, opts.wireTap);
  }

  /* ------------------------------------------------------------------ ChannelHost */

  emit(app: string, body: EventBody): void {
    this.hub.send(app, body);
  }

  storedRecordingSec(name: string): number | undefined {
    return this.stored.get(name)?.durationSec;
  }

  storeRecording(name: string, format: string, durationSec: number, append: boolean): void {
    const previous = append ? (this.stored.get(name)?.durationSec ?? 0) : 0;
    this.stored.set(name, { format, durationSec: previous + durationSec });
  }

  forgetPlayback(op: PlaybackOp): void {
    if (this.playbacks.get(op.id) === op) this.playbacks.delete(op.id);
  }

  forgetRecording(op: RecordingOp): void {
    if (this.liveRecordings.get(op.name) === op) this.liveRecordings.delete(op.name);
  }

  channelGone(channel: SimChannel): void {
    this.channels.delete(channel.channelId);
  }

  /* ------------------------------------------------------------------ apps and calls */

  /**
   * An app exists while it has a socket or channels in Stasis (README §8): an app whose
   * socket went away keeps its calls, and is destroyed when the last one leaves.
   */
  appExists(app: string): boolean {
    return this.hub.hasSocket(app) || [...this.channels.values()].some((c) => c.app === app);
  }

  applications(): ApplicationJson[] {
    const names = new Set([...this.hub.registeredApps(), ...[...this.channels.values()].map((c) => c.app)]);
    return [...names].sort().map((name) => this.application(name));
  }

  application(name: string): ApplicationJson {
    return {
      name,
      channel_ids: [...this.channels.values()].filter((c) => c.app === name).map((c) => c.channelId),
      bridge_ids: [],
      endpoint_ids: [],
      device_names: [],
      events_allowed: [],
      events_disallowed: [],
    };
  }

  placeCall(opts: PlaceCallOptions): SimChannel {
    const app = opts.app ?? 'voice-portal';
    // Asterisk's uniqueid: creation time in seconds, then a process-wide counter.
    const id = `${Math.floor(Date.now() / 1000)}.${this.channelSeq++}`;
    const seq = (this.sipSeq++).toString(16).padStart(8, '0');
    const channel = new SimChannel(this, {
      id,
      name: opts.channelName ?? `PJSIP/${opts.callerNumber || 'anonymous'}-${seq}`,
      app,
      args: opts.args ?? [],
      callerNumber: opts.callerNumber,
      callerName: opts.callerName ?? '',
      extension: opts.extension,
      context: opts.context ?? 'voice-portal',
      language: opts.language ?? 'en',
      protocolId: `${randomBytes(4).toString('hex')}-${process.pid}@127.0.0.1`,
    });
    this.calls.push(channel);
    if (!this.appExists(app)) {
      channel.failStasis();
    } else {
      this.channels.set(id, channel);
      channel.enterStasis();
    }
    return channel;
  }

  /** Asterisk stops: channels vanish without events, sockets are cut, timers cancelled. */
  stop(): void {
    for (const channel of [...this.channels.values()]) channel.dropSilently();
    this.channels.clear();
    this.playbacks.clear();
    this.liveRecordings.clear();
    this.clock.cancelAll();
    this.hub.terminateAll();
  }

  /** A live channel in Stasis, or undefined (→ 404 Channel not found). */
  liveChannel(id: string): SimChannel | undefined {
    const channel = this.channels.get(id);
    return channel?.inStasis ? channel : undefined;
  }
}
