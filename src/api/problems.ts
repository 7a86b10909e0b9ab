/**
 * RFC 9457 problem documents: every error the API or the page's endpoints answer is one
 * (`application/problem+json`). Store and ARI errors are mapped here, in one place.
 *
 * A PIN rejection carries the policy's reason code and the CLI's sentence (`reason`,
 * `reasonText`), never the PIN. No problem document ever echoes what the client sent.
 */
import { AriError, AriUnavailable } from '../ari';
import { PIN_REJECTION_TEXT, type PinRejection } from '../security/pin-policy';
import { Conflict, InvalidInput, NotFound, PepperMismatch, PinRejected, StoreUnavailable } from '../store';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URIs: URNs, so they resolve to nothing outside and need no host of ours. */
export const problemType = (code: string): string => `urn:voice-portal:problem:${code}`;

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** PIN rejections: the policy's reason code (same as the CLI's). */
  reason?: PinRejection;
  /** PIN rejections: the CLI's sentence for that reason. */
  reasonText?: string;
  /** 400: which input failed (JSON pointer-like paths from the schema validator). */
  errors?: string[];
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Partial<ProblemDocument> = {},
    /** Extra response headers (WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  document(instance?: string): ProblemDocument {
    return {
      type: problemType(this.code),
      title: this.title,
      status: this.status,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(instance !== undefined ? { instance } : {}),
      ...this.extra,
    };
  }
}

export const problems = {
  badRequest: (detail: string, errors?: string[]): Problem => new Problem(400, 'invalid-request', 'The request is not valid', detail, errors ? { errors } : {}),
  unauthorized: (detail: string): Problem =>
    new Problem(401, 'unauthorized', 'Authentication required', detail, {}, { 'www-authenticate': 'Bearer realm="voice-portal"' }),
  forbidden: (detail: string): Problem => new Problem(403, 'forbidden', 'Not allowed', detail),
  notFound: (detail: string): Problem => new Problem(404, 'not-found', 'Not found', detail),
  methodNotAllowed: (detail: string): Problem => new Problem(405, 'method-not-allowed', 'Method not allowed', detail),
  conflict: (detail: string): Problem => new Problem(409, 'conflict', 'Conflict', detail),
  tooLarge: (): Problem => new Problem(413, 'too-large', 'Request body too large', 'the body is limited to a few hundred bytes'),
  unsupportedMediaType: (): Problem => new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'send application/json'),
  pinRejected: (reason: PinRejection): Problem =>
    new Problem(422, 'pin-rejected', 'PIN rejected by the PIN policy', `PIN rejected: ${PIN_REJECTION_TEXT[reason]}`, {
      reason,
      reasonText: PIN_REJECTION_TEXT[reason],
    }),
  rateLimited: (retryAfterSec: number, what: string): Problem =>
    new Problem(429, 'rate-limited', 'Too many requests', `too many requests ${what}; try again in ${retryAfterSec} s`, {}, { 'retry-after': String(retryAfterSec) }),
  internal: (): Problem => new Problem(500, 'internal', 'Internal error', 'the request could not be completed; see the server log'),
  storeUnavailable: (): Problem =>
    new Problem(503, 'store-unavailable', 'Service temporarily unavailable', 'the voice portal database cannot be reached; try again later', {}, { 'retry-after': '5' }),
  ariUnavailable: (): Problem =>
    new Problem(503, 'pbx-unavailable', 'PBX temporarily unavailable', 'Asterisk cannot be reached for audio right now; try again later', {}, { 'retry-after': '5' }),
  misconfigured: (detail: string): Problem => new Problem(503, 'misconfigured', 'Service misconfigured', detail),
};

/** Any error thrown by a handler, as the problem to answer. Unknown errors are 500. */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof PinRejected) return problems.pinRejected(err.reason);
  if (err instanceof NotFound) return problems.notFound(err.message);
  if (err instanceof InvalidInput) return problems.badRequest(err.message);
  if (err instanceof Conflict) return problems.conflict(err.message);
  if (err instanceof StoreUnavailable) return problems.storeUnavailable();
  // Not the client's fault, and nothing it can fix: the operator must align PIN_PEPPER.
  if (err instanceof PepperMismatch) return problems.misconfigured('PIN_PEPPER differs from the one this Redis was set up with');
  if (err instanceof AriUnavailable) return problems.ariUnavailable();
  if (err instanceof AriError && err.status === 404) return problems.notFound('the recording does not exist on the PBX');
  if (err instanceof AriError) return problems.ariUnavailable();
  return problems.internal();
}
