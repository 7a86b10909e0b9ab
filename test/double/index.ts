/**
 * The Asterisk 22 ARI test double: an HTTP + WebSocket server that an unmodified ari-client
 * 2.2.0 talks to, plus the control API (control.ts) with which tests and the demo play the
 * callers and the machine. See README.md in this folder.
 */
import { Asterisk } from './asterisk';
import type {
  AsteriskDoubleControl,
  DoubleOptions,
  EventFault,
  FaultHandle,
  RequestFault,
  MailboxUpdate,
  PlaceCallOptions,
  SimCall,
} from './control';
import { AriHttpServer } from './http-server';

export type * from './control';
export { EVENT_TYPES } from './swagger';

export class AsteriskDouble implements AsteriskDoubleControl {
  private readonly asterisk: Asterisk;
  private readonly http: AriHttpServer;
  private up = false;
  private closed = false;

  private constructor(
    readonly port: number,
    asterisk: Asterisk,
    http: AriHttpServer,
  ) {
    this.asterisk = asterisk;
    this.http = http;
  }

  static async start(opts: DoubleOptions): Promise<AsteriskDouble> {
    const asterisk = new Asterisk({
      timeScale: opts.timeScale ?? 1,
      asteriskId: opts.asteriskId ?? '02:fc:00:00:00:01',
      soundsDirs: opts.soundsDirs,
      soundDurationsMs: opts.soundDurationsMs,
      knownSounds: opts.knownSounds,
      defaultSoundMs: opts.defaultSoundMs,
      sharedRecordings: opts.sharedRecordings,
      wireTap: opts.wireTap,
    });
    const http = new AriHttpServer(asterisk, { username: opts.username, password: opts.password }, opts.wireTap, opts.sessionLimit);
    const port = await http.listen(opts.port ?? 0);
    const double = new AsteriskDouble(port, asterisk, http);
    double.up = true;
    return double;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The timeScale in force (handy for tests that compute expected durations). */
  get timeScale(): number {
    return this.asterisk.clock.timeScale;
  }

  async placeCall(opts: PlaceCallOptions): Promise<SimCall> {
    if (!this.up) throw new Error('placeCall: the simulated Asterisk is stopped');
    return this.asterisk.placeCall(opts);
  }

  get calls(): readonly SimCall[] {
    return this.asterisk.calls;
  }

  async stopAsterisk(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    this.asterisk.stop();
    await this.http.close();
  }

  async startAsterisk(): Promise<void> {
    if (this.up || this.closed) return;
    await this.http.listen(this.port);
    this.up = true;
  }

  async restartAsterisk(downMs: number): Promise<void> {
    await this.stopAsterisk();
    // Not the SimClock: stopping cancelled its timers, and this wait belongs to the test.
    await new Promise((resolve) => setTimeout(resolve, downMs * this.asterisk.clock.timeScale));
    await this.startAsterisk();
  }

  dropWebSockets(): void {
    this.asterisk.hub.terminateAll();
  }

  socketCount(app?: string): number {
    return this.asterisk.hub.socketCount(app);
  }

  registeredApps(): string[] {
    return this.asterisk.hub.registeredApps();
  }

  sessions(app?: string): { open: number; peak: number; refused: number } {
    return this.http.sessionCounts(app);
  }

  resetSessionPeak(app?: string): void {
    this.http.resetSessionPeak(app);
  }

  storedRecordings(): Map<string, { format: string; durationSec: number }> {
    return new Map([...this.asterisk.stored].map(([name, rec]) => [name, { ...rec }]));
  }

  addStoredRecording(name: string, durationSec: number, format = 'wav'): void {
    this.asterisk.stored.set(name, { format, durationSec });
  }

  removeStoredRecording(name: string): void {
    this.asterisk.stored.delete(name);
  }

  mailboxes(): Map<string, { oldMessages: number; newMessages: number }> {
    return new Map([...this.asterisk.mailboxes].map(([name, m]) => [name, { ...m }]));
  }

  get mailboxUpdates(): readonly MailboxUpdate[] {
    return this.asterisk.mailboxUpdates;
  }

  failRequests(fault: RequestFault): FaultHandle {
    const armed = { method: fault.method, path: fault.path, status: fault.status, holdMs: fault.holdMs, remaining: fault.count ?? 1, hits: 0 };
    this.http.requestFaults.push(armed);
    return { get hits() { return armed.hits; } };
  }

  tamperEvents(fault: EventFault): FaultHandle {
    const armed = { type: fault.type, action: fault.action, channelId: fault.channelId, remaining: fault.count ?? 1, hits: 0 };
    this.asterisk.hub.eventFaults.push(armed);
    return { get hits() { return armed.hits; } };
  }

  clearFaults(): void {
    this.http.requestFaults.length = 0;
    this.asterisk.hub.eventFaults.length = 0;
  }

  async close(): Promise<void> {
    await this.stopAsterisk();
    this.closed = true;
  }
}
