/**
 * Reading a new PIN or passcode. Never from the command line (it would end up in the shell
 * history and in `ps`): from a terminal without echo, typed twice, or as one line on stdin
 * (for scripts and the organisation's user portal).
 *
 * Nothing here logs, prints or keeps the digits beyond returning them.
 */
import { CliError, EXIT, refused } from './errors';

/** stdin as far as this module needs it; a tty.ReadStream when interactive. */
export interface SecretInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface SecretIo {
  input: SecretInput;
  /** Where prompts go (stderr, so that stdout stays clean for --json). */
  prompts: NodeJS.WritableStream;
}

/** A PIN longer than this is not a PIN (the policy caps it at 30): stop reading early. */
const MAX_LINE = 256;

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * One line typed on a terminal with echo off (raw mode: the terminal does not echo, and
 * nothing is echoed back here, not even stars, so the length does not show either).
 * Backspace and Ctrl-U edit; Ctrl-C aborts (exit 130); Ctrl-D on an empty line is end of input.
 */
export function readHiddenLine(io: SecretIo, prompt: string): Promise<string> {
  const { input, prompts } = io;
  if (!input.setRawMode) return Promise.reject(new Error('readHiddenLine needs a TTY'));
  const setRawMode = input.setRawMode.bind(input);
  prompts.write(prompt);
  setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      setRawMode(false);
      input.pause();
      prompts.write('\n');
    };
    const onEnd = (): void => {
      finish();
      resolve(value);
    };
    const onData = (chunk: string | Buffer): void => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return onEnd();
        if (ch === CTRL_C) {
          finish();
          reject(new CliError('interrupted', EXIT.interrupted));
          return;
        }
        if (ch === CTRL_D) {
          if (value === '') return onEnd();
          continue;
        }
        if (BACKSPACE.has(ch)) value = value.slice(0, -1);
        else if (ch === CTRL_U) value = '';
        else if (ch >= ' ' && value.length < MAX_LINE) value += ch;
      }
    };
    input.on('data', onData);
    input.on('end', onEnd);
  });
}

/**
 * The first line of a non-interactive stdin (up to the first newline or the end of input).
 * Reading stops at the newline, so a caller that keeps the pipe open does not hang us.
 */
export function readFirstLine(input: SecretInput): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buffered = '';
    const done = (line: string): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      resolve(line.replace(/\r$/, ''));
    };
    const onData = (chunk: string | Buffer): void => {
      buffered += String(chunk);
      const newline = buffered.indexOf('\n');
      if (newline >= 0) done(buffered.slice(0, newline));
      else if (buffered.length > MAX_LINE) done(buffered);
    };
    const onEnd = (): void => done(buffered);
    const onError = (err: Error): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      reject(err);
    };
    input.setEncoding('utf8');
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/**
 * A new PIN or passcode (`what`: "PIN", "admin passcode"): typed twice on a terminal, or one
 * line on stdin. Refused (exit 1) when empty or when the two entries differ.
 */
export async function readNewSecret(io: SecretIo, what: string): Promise<string> {
  if (io.input.isTTY && io.input.setRawMode) {
    const first = await readHiddenLine(io, `New ${what}: `);
    if (first === '') throw refused(`no ${what} entered`);
    const second = await readHiddenLine(io, `Repeat the new ${what}: `);
    if (first !== second) throw refused(`the two ${what} entries differ: nothing changed`);
    return first;
  }
  const line = await readFirstLine(io.input);
  if (line === '') throw refused(`no ${what} on stdin (give it as one line on stdin, or run on a terminal to be asked for it)`);
  return line;
}
