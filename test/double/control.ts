/**
 * The control API of the Asterisk ARI test double: how tests and the demo play the part of
 * the callers and of the machine Asterisk runs on. Nothing here is reachable through ARI;
 * the application under test can only use the ARI REST + WebSocket surface that a real
 * Asterisk 22 offers (see test/fixtures/asterisk-22.10/README.md).
 *
 * Times given here (gaps, durations, downtime) are Asterisk-side wall-clock times and are
 * multiplied by the double's `timeScale` like every media duration, so one scenario runs
 * fast in the tests (timeScale 0.05) and at real speed in the demo (timeScale 1).
 */

export interface DoubleOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** ARI user (ari.conf). Basic auth and `api_key=user:pass` are both checked. */
  username: string;
  password: string;
  /** Multiplies every simulated duration. 1 = real time (default). */
  timeScale?: number;
  /**
   * Sound directories laid out like Asterisk's: `<dir>/<lang>/<name>.wav`. A sound found
   * here lasts as long as its WAV file. Missing from every language → playback `failed`;
   * missing only in the requested language → falls back to `en`.
   */
  soundsDirs?: string[];
  /** Durations (ms, before scaling) of sounds that have no WAV file, e.g. Asterisk's core sounds. */
  soundDurationsMs?: Record<string, number>;
  /**
   * Names of sounds that exist without a WAV file in soundsDirs (Asterisk's core sounds such as
   * `beep`, `vm-login`, `digits/1`). `'*'` (default) means every sound not found in
   * soundsDirs exists with `defaultSoundMs`; tests of the `failed` path pass a list.
   */
  knownSounds?: '*' | string[];
  /** Duration of a sound with no file and no table entry (default 1000 ms). */
  defaultSoundMs?: number;
  /** `asterisk_id` of every event (default "02:fc:00:00:00:01", as in the captures). */
  asteriskId?: string;
  /**
   * The recording spool "on disk", shared with other doubles: two Asterisk servers mounting
   * one recording directory (NFS or similar, README "High availability") see each other's
   * stored recordings. Default: a spool of its own.
   */
  sharedRecordings?: SharedRecordingSpool;
  /**
   * http.conf `sessionlimit`: HTTP connections open at once (default 100, Asterisk's). Past
   * it a new connection is closed unanswered (main/http.c: "HTTP session count exceeded"),
   * which a client sees as a reset. An events WebSocket leaves the count once upgraded.
   */
  sessionLimit?: number;
  /**
   * Observer of the wire, for benchmarks (`npm run bench -- compare`): told synchronously of
   * every event the moment it is handed to an app's socket, and of every REST request the
   * moment its headers are read. It changes nothing the app sees; it must not throw.
   */
  wireTap?: WireTap;
}

export interface WireTap {
  /** An event (with `type`, and `channel` for channel events) was written to the app's socket. */
  eventSent?(app: string, event: Readonly<Record<string, unknown>>): void;
  /** A REST request arrived: method and URL path with its query (`/ari/channels/…`). */
  requestReceived?(method: string, url: string): void;
}

/** What the double exposes to tests and to the demo. */
export interface AsteriskDoubleControl {
  /** `http://127.0.0.1:<port>`: what the app gets as ARI_URL (ari-client appends /ari/...). */
  readonly url: string;
  readonly port: number;

  /** A caller rings the dialplan, which hands the channel to `Stasis(app, ...args)`. */
  placeCall(opts: PlaceCallOptions): Promise<SimCall>;
  /** Every call placed so far, oldest first. */
  readonly calls: readonly SimCall[];

  /**
   * "Asterisk" stops: every channel is dropped (the app sees nothing more of them), every
   * WebSocket is closed, the HTTP port refuses connections. `start()` brings it back empty
   * of channels, with stored recordings and mailboxes kept (they live on disk in reality).
   */
  stopAsterisk(): Promise<void>;
  startAsterisk(): Promise<void>;
  /** stopAsterisk, wait `downMs` (scaled), startAsterisk. */
  restartAsterisk(downMs: number): Promise<void>;
  /** Close every events WebSocket abruptly (a network drop); Asterisk itself stays up. */
  dropWebSockets(): void;
  /** Number of events WebSockets currently open, per app name. */
  socketCount(app?: string): number;
  /** Apps that currently have a socket, as `GET /applications` would list them. */
  registeredApps(): string[];
  /**
   * HTTP sessions (connections, upgraded WebSockets not counted): open now, the most open at
   * once since the last `resetSessionPeak()`, and how many were refused past `sessionLimit`.
   * With `app`: only the sessions whose latest request concerned a call of that Stasis app.
   */
  sessions(app?: string): { open: number; peak: number; refused: number };
  resetSessionPeak(app?: string): void;

  /** Stored recordings (name → duration in seconds), as `GET /recordings/stored` sees them. */
  storedRecordings(): Map<string, { format: string; durationSec: number }>;
  /** Put a stored recording in place (as if recorded earlier). */
  addStoredRecording(name: string, durationSec: number, format?: string): void;
  /** Remove a stored recording behind the app's back (a lost file). */
  removeStoredRecording(name: string): void;

  /** Message-waiting state per mailbox name (`1001@voice-portal`). */
  mailboxes(): Map<string, { oldMessages: number; newMessages: number }>;
  /** Every PUT/DELETE /mailboxes in order: the lamp history. */
  readonly mailboxUpdates: readonly MailboxUpdate[];

  /**
   * Fault injection (chaos tests): the next `count` (default 1) REST requests that match answer
   * 500 or 503 without doing anything, or get no answer at all (`holdMs`, then the connection
   * is cut). Returns a handle telling how many requests it hit.
   */
  failRequests(fault: RequestFault): FaultHandle;
  /**
   * Fault injection: the next `count` (default 1) events of `type` (for `channelId` when
   * given) are dropped (as in a socket gap) or sent twice in a row.
   */
  tamperEvents(fault: EventFault): FaultHandle;
  /** Disarm every fault still armed. */
  clearFaults(): void;

  /** Shut the double down for good (the end of a test file or of the demo). */
  close(): Promise<void>;
}

export interface RequestFault {
  /** HTTP method (GET, POST, DELETE...); any when omitted. */
  method?: string;
  /** Matched against the path after `/ari` (e.g. /^\/channels\/[^/]+\/play/); any when omitted. */
  path?: RegExp;
  /** Answer this status; omitted: hold the request (no answer) for `holdMs`, then cut it. */
  status?: 500 | 503;
  holdMs?: number;
  count?: number;
}

export interface EventFault {
  /** Event type, e.g. 'PlaybackFinished'. */
  type: string;
  action: 'drop' | 'duplicate';
  channelId?: string;
  count?: number;
}

export interface FaultHandle {
  /** Requests or events the fault hit so far. */
  readonly hits: number;
}

export interface PlaceCallOptions {
  /** Caller ID number; '' for an anonymous caller. */
  callerNumber: string;
  callerName?: string;
  /** The extension dialled (dialplan `exten`). */
  extension: string;
  /** Dialplan context (default `voice-portal`). */
  context?: string;
  /** Channel name; default `PJSIP/<callerNumber or anonymous>-<8 hex digits>`. */
  channelName?: string;
  /** Channel language (default `en`). */
  language?: string;
  /** Stasis app (default `voice-portal`). */
  app?: string;
  /** Stasis arguments, e.g. ['portal', 'paris'] or ['deposit', '1001', 'busy']. */
  args?: string[];
}

export interface SimCall {
  readonly channelId: string;
  readonly channelName: string;
  /**
   * True when the Stasis app had no socket when the call arrived: `Stasis()` failed at once,
   * STASISSTATUS=FAILED, and the call never reached the app (the dialplan goes on).
   */
  readonly stasisFailed: boolean;
  /** 'Ring' until the app answers, 'Up' after, 'ended' after StasisEnd. */
  readonly state: 'Ring' | 'Up' | 'ended';

  /**
   * Press keys (0-9, *, #, A-D) one after another: a ChannelDtmfReceived per key
   * (duration `durationMs`, default 100), `gapMs` (default 200) between key starts. Resolves
   * when the last key has been sent. Keys pressed after the call ended are ignored.
   */
  press(keys: string, opts?: { gapMs?: number; durationMs?: number }): Promise<void>;
  /** The caller talks for `seconds` (scaled) into any recording in progress, then is silent. */
  speak(seconds: number): void;
  /** The caller hangs up (SIP BYE): ChannelHangupRequest, then what Asterisk sends, then StasisEnd. */
  hangup(): Promise<void>;

  /** Resolves when the call left Stasis (StasisEnd sent, or Stasis failed). */
  readonly ended: Promise<CallEnd>;
  /** Everything that happened on the call, in order. */
  readonly log: readonly CallLogEntry[];
  /** Media URIs that started playing, in order (each item of a media list counts). */
  heard(): string[];
  /**
   * Resolves with the first log entry (already logged or to come) that matches; rejects after
   * `timeoutMs` (real time, not scaled; default 5000), or as soon as the call ended without
   * it, with the log so far in the message.
   */
  waitFor(match: (e: CallLogEntry) => boolean, timeoutMs?: number): Promise<CallLogEntry>;
}

export interface CallEnd {
  /** caller: the caller hung up; app-hangup: DELETE /channels; continue: back to the dialplan;
   *  asterisk-stopped: the double stopped; stasis-failed: never entered the app. */
  by: 'caller' | 'app-hangup' | 'continue' | 'asterisk-stopped' | 'stasis-failed';
}

/** A key as failure messages show it: a digit may be part of a PIN, so only * and # are shown. */
export function shownKey(digit: string): string {
  return digit === '*' || digit === '#' ? digit : '•';
}

export type CallLogEntry =
  | { kind: 'stasis-start'; at: number; args: string[] }
  | { kind: 'answered'; at: number }
  | { kind: 'dtmf'; at: number; digit: string }
  /** One per media item. `lang` is the requested language; `playedLang` the one whose file played. */
  | { kind: 'media-started'; at: number; playbackId: string; uri: string; lang: string; playedLang?: string }
  | {
      kind: 'media-finished';
      at: number;
      playbackId: string;
      uri: string;
      /** done: played to the end; stopped: DELETE while playing; canceled: DELETE while queued;
       *  failed: missing sound or hang-up. */
      outcome: 'done' | 'stopped' | 'canceled' | 'failed';
    }
  | { kind: 'recording-started'; at: number; name: string }
  | {
      kind: 'recording-finished';
      at: number;
      name: string;
      durationSec: number;
      endedBy: 'terminator' | 'max-duration' | 'silence' | 'hangup' | 'stopped';
    }
  | { kind: 'hangup'; at: number; by: CallEnd['by'] }
  | { kind: 'stasis-end'; at: number };

export interface MailboxUpdate {
  at: number;
  name: string;
  /** undefined for a DELETE. */
  oldMessages?: number;
  newMessages?: number;
}

/** A stored-recording spool several doubles can mount (see DoubleOptions.sharedRecordings). */
export type SharedRecordingSpool = Map<string, { format: string; durationSec: number }>;
