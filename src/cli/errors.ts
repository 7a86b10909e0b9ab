/**
 * Exit codes of voice-portal-admin and the translation of every failure into one of them plus
 * the single `error:` line printed on stderr.
 *
 *   0  done
 *   1  refused: bad input, not found, a change the store or the PIN policy refused
 *   2  usage: unknown command or option, missing argument, bad option value, missing config
 *   3  Redis unreachable (or refusing the credentials) within the connection deadline
 */
import { Conflict, InvalidInput, NotFound, PepperMismatch, PinRejected, StoreUnavailable } from '../store';
import { PIN_REJECTION_TEXT } from '../security/pin-policy';

export const EXIT = Object.freeze({ ok: 0, refused: 1, usage: 2, unavailable: 3, interrupted: 130 });

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI itself detects, with the exit code it means. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** Bad input the operator can correct (exit 1). */
export const refused = (message: string): CliError => new CliError(message, EXIT.refused);

/** Wrong invocation (exit 2). */
export const usage = (message: string): CliError => new CliError(message, EXIT.usage);

export interface Failure {
  exitCode: ExitCode;
  /** One line, without the `error: ` prefix; never contains a PIN or a hash. */
  message: string;
  /** True when the error was not foreseen (worth a stack trace under --debug). */
  unexpected: boolean;
}

/** Collapse a message to one line: the contract is exactly one `error:` line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Map anything thrown by a command to its exit code and the line to print. */
export function describeFailure(err: unknown): Failure {
  if (err instanceof CliError) return { exitCode: err.exitCode, message: oneLine(err.message), unexpected: false };
  if (err instanceof PinRejected) {
    return { exitCode: EXIT.refused, message: `PIN rejected: ${PIN_REJECTION_TEXT[err.reason]}`, unexpected: false };
  }
  if (err instanceof StoreUnavailable) {
    return { exitCode: EXIT.unavailable, message: `Redis unavailable: ${oneLine(err.message)}`, unexpected: false };
  }
  if (err instanceof PepperMismatch) {
    return {
      exitCode: EXIT.refused,
      message: 'PIN_PEPPER is not the pepper this Redis was set up with (fingerprint mismatch): refused, nothing written',
      unexpected: false,
    };
  }
  if (err instanceof NotFound || err instanceof Conflict || err instanceof InvalidInput) {
    return { exitCode: EXIT.refused, message: oneLine(err.message), unexpected: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: EXIT.refused, message: `internal error: ${oneLine(message)} (run with --debug for details)`, unexpected: true };
}
