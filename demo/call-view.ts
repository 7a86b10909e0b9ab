/**
 * Prints one simulated call as it happens, from the double's call log (the control API: the
 * demo never looks at ARI): what the caller hears, with prompt texts, and what the caller
 * does. Times are in the caller's seconds since the call started (real time divided by the
 * time scale), so a transcript reads the same at any --speed.
 */
import type { CallLogEntry, SimCall } from '../test/double/control';
import type { Speaker } from './audio';
import type { LampWatcher } from './dial';
import { KeyMask } from './key-mask';
import { describeMedia } from './media-text';

/** Why a recording ended, in the caller's words. */
const RECORDING_END: Record<Extract<CallLogEntry, { kind: 'recording-finished' }>['endedBy'], string> = {
  terminator: '# pressed',
  'max-duration': 'longest allowed',
  silence: 'silence',
  hangup: 'hung up',
  stopped: 'stopped by the portal',
};

/** How often the call log is read; well below a human's or a prompt's time. */
const POLL_MS = 10;

export class CallView {
  private printed = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  /** Decides, from the prompts the portal started, which typed keys may be shown. */
  private readonly mask = new KeyMask();
  /** Interactively, the keys of one entry share a line: true while that line is open. */
  private keysLineOpen = false;
  /** Lines held back while the keys line is open (printed when it closes). */
  private afterKeys: [number, string][] = [];

  /**
   * `append` (interactive terminals) writes text without ending the line: keys typed one by
   * one then go on one line per entry, as a script's key step does.
   */
  constructor(
    private readonly call: SimCall,
    private readonly timeScale: number,
    private readonly write: (line: string) => void,
    private readonly speaker?: Speaker,
    private readonly append?: (text: string) => void,
    private readonly lamps?: LampWatcher,
  ) {
    this.timer = setInterval(() => this.flush(), POLL_MS);
  }

  /** Print what happened since the last look. */
  flush(): void {
    const log = this.call.log;
    while (this.printed < log.length) this.print(log[this.printed++]);
    for (const lamp of this.lamps?.changes() ?? []) this.line(Date.now(), lamp);
  }

  /** A caller action (pressing keys, speaking), printed in order with the call's events. */
  caller(text: string): void {
    this.flush();
    this.line(Date.now(), `caller: ${text}`);
  }

  /** The caller pressed `keys` (one script step): one line, PIN digits shown as •. */
  pressed(keys: string): void {
    this.flush();
    this.line(Date.now(), `caller: presses ${this.mask.showAll(keys)}`);
  }

  /**
   * One key typed on the terminal: added to the open line of the current entry (a new line
   * when something else was printed since); `#` ends the entry's line.
   */
  typed(key: string): void {
    this.flush();
    const shown = this.mask.show(key);
    if (!this.append) return this.line(Date.now(), `caller: presses ${shown}`);
    if (this.keysLineOpen) this.append(shown);
    else {
      this.append(`${this.stamp(Date.now())} caller: presses ${shown}`);
      this.keysLineOpen = true;
    }
    if (key === '#') this.closeKeysLine();
  }

  note(text: string): void {
    this.flush();
    this.line(Date.now(), text);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
    this.closeKeysLine();
    this.speaker?.stopAll();
  }

  private closeKeysLine(): void {
    if (!this.keysLineOpen) return;
    this.keysLineOpen = false;
    this.append?.('\n');
    const held = this.afterKeys;
    this.afterKeys = [];
    for (const [at, text] of held) this.line(at, text);
  }

  private stamp(atMs: number): string {
    const seconds = (atMs - this.startedAt) / this.timeScale / 1000;
    return `[${seconds.toFixed(1).padStart(6)}s]`;
  }

  private line(atMs: number, text: string): void {
    this.closeKeysLine();
    this.write(`${this.stamp(atMs)} ${text}`);
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
        this.mask.mediaStarted(e.uri);
        this.speaker?.start(`${e.playbackId} ${e.uri}`, e.uri, e.playedLang ?? e.lang);
        return this.line(e.at, `portal: ${describeMedia(e.uri, e.playedLang ?? e.lang)}`);
      case 'media-finished':
        this.speaker?.stop(`${e.playbackId} ${e.uri}`);
        if (e.outcome === 'stopped') {
          // The caller's first key cut the prompt: said after the entry's line, not inside it.
          if (this.keysLineOpen) this.afterKeys.push([e.at, '        (prompt cut short)']);
          else this.line(e.at, '        (prompt cut short)');
          return;
        }
        if (e.outcome === 'failed') return this.line(e.at, '        (could not be played)');
        return;
      case 'recording-started':
        // The portal always records after a beep (the double logs the start after it).
        this.line(e.at, 'portal: (beep)');
        return this.line(e.at, `portal: recording… (${e.name})`);
      case 'recording-finished':
        return this.line(e.at, `portal: recording ended after ${e.durationSec} s (${RECORDING_END[e.endedBy]})`);
      case 'hangup':
        return this.line(e.at, `call ended: ${e.by === 'caller' ? 'the caller hung up' : e.by === 'app-hangup' ? 'the portal hung up' : e.by}`);
      case 'stasis-end':
        return;
    }
  }
}
