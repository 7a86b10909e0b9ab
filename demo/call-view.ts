/**
 * Prints one simulated call as it happens, from the double's call log (the control API: the
 * demo never looks at ARI): what the caller hears, with prompt texts, and what the caller
 * does. Times are in the caller's seconds since the call started (real time divided by the
 * time scale), so a transcript reads the same at any --speed.
 */
import type { CallLogEntry, SimCall } from '../test/double/control';
import type { Speaker } from './audio';
import { describeMedia, isPinPrompt, maskKeys } from './media-text';

/** How often the call log is read; well below a human's or a prompt's time. */
const POLL_MS = 10;

export class CallView {
  private printed = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  /** The last media item that started: decides whether typed keys may be a PIN. */
  private lastMedia: string | undefined;

  constructor(
    private readonly call: SimCall,
    private readonly timeScale: number,
    private readonly write: (line: string) => void,
    private readonly speaker?: Speaker,
  ) {
    this.timer = setInterval(() => this.flush(), POLL_MS);
  }

  /** Print what happened since the last look. */
  flush(): void {
    const log = this.call.log;
    while (this.printed < log.length) this.print(log[this.printed++]);
  }

  /** A caller action (pressing keys, speaking), printed in order with the call's events. */
  caller(text: string): void {
    this.flush();
    this.line(Date.now(), `caller: ${text}`);
  }

  /** The keys as the transcript may show them (hidden when typed at a PIN prompt). */
  keysForDisplay(keys: string): string {
    this.flush();
    return maskKeys(keys, isPinPrompt(this.lastMedia));
  }

  note(text: string): void {
    this.flush();
    this.line(Date.now(), text);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
    this.speaker?.stopAll();
  }

  private line(atMs: number, text: string): void {
    const seconds = (atMs - this.startedAt) / this.timeScale / 1000;
    this.write(`[${seconds.toFixed(1).padStart(6)}s] ${text}`);
  }

  private print(e: CallLogEntry): void {
    switch (e.kind) {
      case 'stasis-start':
        return;
      case 'answered':
        return this.line(e.at, 'portal answers');
      case 'dtmf':
        // Keys are shown once per press, by the caller's side (masked at PIN prompts).
        return;
      case 'media-started':
        this.lastMedia = e.uri;
        this.speaker?.start(`${e.playbackId} ${e.uri}`, e.uri, e.playedLang ?? e.lang);
        return this.line(e.at, `portal: ${describeMedia(e.uri, e.playedLang ?? e.lang)}`);
      case 'media-finished':
        this.speaker?.stop(`${e.playbackId} ${e.uri}`);
        if (e.outcome === 'stopped') return this.line(e.at, '        (prompt cut short)');
        if (e.outcome === 'failed') return this.line(e.at, '        (could not be played)');
        return;
      case 'recording-started':
        return this.line(e.at, `portal: recording… (${e.name})`);
      case 'recording-finished':
        return this.line(e.at, `portal: recording ended after ${e.durationSec} s (${e.endedBy})`);
      case 'hangup':
        return this.line(e.at, `call ended: ${e.by === 'caller' ? 'the caller hung up' : e.by === 'app-hangup' ? 'the portal hung up' : e.by}`);
      case 'stasis-end':
        return;
    }
  }
}
