/**
 * Playing the prompts aloud through sox's `play`, when it is installed: each prompt's WAV
 * starts when Asterisk (the double) starts it and is killed when it stops (barge-in).
 * Media without a WAV here (Asterisk's core sounds, recordings) stay silent, except the
 * recording beep, which sox synthesises.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promptWav } from './media-text';

export class Speaker {
  private readonly playing = new Map<string, ChildProcess>();

  /** undefined when `play` (sox) is not on PATH. */
  static detect(): Speaker | undefined {
    const probe = spawnSync('play', ['--version'], { stdio: 'ignore' });
    return probe.error || probe.status !== 0 ? undefined : new Speaker();
  }

  start(key: string, uri: string, lang: string): void {
    const wav = promptWav(uri, lang) ?? promptWav(uri, 'en');
    let args: string[] | undefined;
    if (wav && existsSync(wav)) args = ['-q', wav];
    else if (uri === 'sound:beep') args = ['-q', '-n', 'synth', '0.25', 'sine', '1000'];
    if (!args) return;
    const child = spawn('play', args, { stdio: 'ignore' });
    child.on('error', () => undefined);
    child.on('exit', () => {
      if (this.playing.get(key) === child) this.playing.delete(key);
    });
    this.playing.set(key, child);
  }

  stop(key: string): void {
    this.playing.get(key)?.kill();
    this.playing.delete(key);
  }

  stopAll(): void {
    for (const key of [...this.playing.keys()]) this.stop(key);
  }
}
