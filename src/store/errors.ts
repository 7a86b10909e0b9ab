/**
 * The typed errors the store throws. Flows and the CLI branch on the class (or `code`), never
 * on message text.
 */
import type { PinRejection } from '../security/pin-policy';

export abstract class StoreError extends Error {
  abstract readonly code: string;
}

/** Redis cannot be reached (down, timed out, failing over). Retrying later may work. */
export class StoreUnavailable extends StoreError {
  override name = 'StoreUnavailable';
  readonly code = 'store-unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The pepper this process was given is not the one whose fingerprint Redis holds. PINs
 * hashed with another pepper would never verify (everyone locked out) and PINs written now
 * would not verify for the other processes: the store refuses both.
 */
export class PepperMismatch extends StoreError {
  override name = 'PepperMismatch';
  readonly code = 'pepper-mismatch';
}

/** A PIN or passcode refused by the PIN policy; `reason` is what the caller/CLI is told. */
export class PinRejected extends StoreError {
  override name = 'PinRejected';
  readonly code = 'pin-rejected';
  /**
   * `lengthLimit`: for too-short / too-long, the limit of the policy the PIN was checked
   * against (the flow says it; reading the policy again could give a newer one).
   */
  constructor(
    readonly reason: PinRejection,
    readonly lengthLimit?: number,
  ) {
    super(`PIN rejected: ${reason}`);
  }
}

export class NotFound extends StoreError {
  override name = 'NotFound';
  readonly code = 'not-found';
}

/** The write would break an invariant (identifier already used, location still has users…). */
export class Conflict extends StoreError {
  override name = 'Conflict';
  readonly code = 'conflict';
}

/** Malformed input (bad id, extension, E.164 number, policy…). */
export class InvalidInput extends StoreError {
  override name = 'InvalidInput';
  readonly code = 'invalid-input';
}
