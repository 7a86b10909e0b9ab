/**
 * Login: a user's PIN (verifyUserPin) and a location's admin passcode (verifyAdminPasscode).
 *
 * Order of one attempt (SPEC §3 rule 3 and §9), each step safe if the process dies after it:
 * 1. Pepper check (PepperMismatch: nothing evaluated).
 * 2. Spray throttle, unless the caller calls from the target mailbox's own number: the
 *    attempt is RESERVED in the caller's bucket (throttle_reserve) before any PIN is
 *    compared; a full bucket answers `throttled`. A crash later leaves it counted (safe side).
 * 3. The attempt is RESERVED on the mailbox (reserve_attempt): lock checked and failure count
 *    incremented atomically, before the hash is compared. Only an attempt whose count is
 *    within maxFailures gets the hash to compare; so, whatever the concurrency and however
 *    many application instances, at most maxFailures wrong PINs are evaluated between two
 *    successes or resets. An attempt whose outcome never arrives stays counted.
 * 4. The hash is compared (slow, off the event loop).
 * 5. Settlement: correct → settle_success resets the count unless a lock or a generation
 *    change (reset, unlock, new PIN) happened meanwhile; wrong and it was attempt number
 *    maxFailures → settle_failure locks (unless the failures stopped being consecutive).
 *    A correct PIN gives its throttle reservation back.
 * 6. Audit entry (and warn log + webhook for a lock). Written last: losing it to a crash
 *    loses a record, never protection.
 */
import { randomUUID } from 'node:crypto';
import type { PinPolicy } from '../security/pin-policy';
import type { StoreContext } from './context';
import { resolveDial } from './directory';
import { locationKey, throttleKey, userKey } from './keys';
import { ADMIN_LOCK_FIELDS, dialDigits, USER_LOCK_FIELDS, type LockFields } from './records';
import { replyArray, replyNumber, replyString } from './scripts';
import type { AdminVerifyResult, AuditEventType, VerifyResult } from './types';

export const THROTTLE_WINDOW_MS = 60 * 60 * 1000;

/** The throttle bucket of a calling number: its digits, or one shared `anonymous` bucket. */
export function throttleBucket(callerNumber: string | undefined): string {
  return dialDigits(callerNumber) ?? 'anonymous';
}

type AttemptOutcome =
  | { kind: 'ok' }
  | { kind: 'wrong'; attemptsLeft: number }
  /** causedNow: this attempt locked it; evaluated: its PIN was compared (and was wrong). */
  | { kind: 'locked'; causedNow: boolean; evaluated: boolean }
  | { kind: 'no-pin' }
  | { kind: 'missing' };

interface Subject {
  key: string;
  fields: LockFields;
}

/** Steps 3-5 for one subject (user or location admin access). */
async function attempt(ctx: StoreContext, subject: Subject, pin: string, policy: PinPolicy): Promise<AttemptOutcome> {
  const { key, fields } = subject;
  const max = policy.maxFailures;
  const reserved = replyArray(
    await ctx.scripts.run('reserve_attempt', [key], [fields.hash, fields.failures, fields.locked, fields.gen, max, ctx.now()]),
  );
  const verdict = replyString(reserved[0]);
  switch (verdict) {
    case 'missing':
      return { kind: 'missing' };
    case 'locked':
      return { kind: 'locked', causedNow: false, evaluated: false };
    case 'locked-now':
      return { kind: 'locked', causedNow: true, evaluated: false };
    case 'no-pin':
      return { kind: 'no-pin' };
    case 'evaluate':
      break;
    default:
      throw new Error(`reserve_attempt: unexpected verdict ${verdict}`);
  }
  const count = replyNumber(reserved[1]);
  const gen = replyString(reserved[2]);
  const stored = replyString(reserved[3]);
  const { ok, needsRehash } = await ctx.hasher.verifyPin(pin, stored, ctx.pepper);
  if (ok) {
    const rehash = needsRehash ? await ctx.hasher.hashPin(pin, ctx.pepper) : '';
    const settled = replyString(
      await ctx.scripts.run('settle_success', [key], [fields.hash, fields.failures, fields.locked, fields.gen, gen, stored, rehash]),
    );
    if (settled === 'ok') return { kind: 'ok' };
    if (settled === 'locked') return { kind: 'locked', causedNow: false, evaluated: false };
    if (settled === 'missing') return { kind: 'missing' };
    // 'stale': the PIN matched a hash that was replaced (or a lock lifted) meanwhile: refuse.
    return { kind: 'wrong', attemptsLeft: await attemptsLeft(ctx, key, fields, max) };
  }
  if (count < max) return { kind: 'wrong', attemptsLeft: max - count };
  const settled = replyString(
    await ctx.scripts.run('settle_failure', [key], [fields.failures, fields.locked, fields.gen, gen, max, ctx.now()]),
  );
  if (settled === 'locked-now') return { kind: 'locked', causedNow: true, evaluated: true };
  if (settled === 'locked') return { kind: 'locked', causedNow: false, evaluated: true };
  if (settled === 'missing') return { kind: 'missing' };
  return { kind: 'wrong', attemptsLeft: await attemptsLeft(ctx, key, fields, max) };
}

async function attemptsLeft(ctx: StoreContext, key: string, fields: LockFields, max: number): Promise<number> {
  const failures = Number((await ctx.redis.hget(key, fields.failures)) ?? 0);
  return Math.max(0, max - failures);
}

/** Step 2. Returns the reservation to give back on success, or null when throttled. */
async function reserveThrottle(ctx: StoreContext, bucket: string, policy: PinPolicy): Promise<{ key: string; member: string } | null> {
  const key = throttleKey(bucket);
  const member = `${ctx.now()}-${randomUUID()}`;
  const reply = replyArray(await ctx.scripts.run('throttle_reserve', [key], [ctx.now(), THROTTLE_WINDOW_MS, policy.throttlePerHour, member]));
  return replyNumber(reply[0]) === 1 ? { key, member } : null;
}

async function giveBack(ctx: StoreContext, reservation: { key: string; member: string } | null): Promise<void> {
  if (reservation) await ctx.redis.zrem(reservation.key, reservation.member);
}

/** Which user a calling number belongs to, if any (for "own phone"). */
async function userOfNumber(ctx: StoreContext, number: string | undefined): Promise<string | null> {
  const match = await resolveDial(ctx, number);
  return match?.kind === 'user' ? match.id : null;
}

function actorOf(callerNumber: string | undefined): string {
  return `caller:${throttleBucket(callerNumber)}`;
}

/**
 * `portalLocationId`: the location whose portal the caller dialled. It names the location of
 * the audit events about a mailbox that matches no user, so `audit --location` shows them.
 */
export async function verifyUserPin(
  ctx: StoreContext,
  mailbox: string,
  pin: string,
  callerNumber: string | undefined,
  portalLocationId?: string,
): Promise<VerifyResult> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const actor = actorOf(callerNumber);
  const target = await resolveDial(ctx, mailbox);
  const userId = target?.kind === 'user' ? target.id : undefined;
  // Every event about this mailbox names its location, so `audit --location` finds it.
  const locationId = target?.kind === 'user' ? target.locationId : portalLocationId;
  const where = { ...(userId ? { userId } : {}), ...(locationId ? { locationId } : {}) };
  // A login from one's own phone types (or is given) the caller's own digits as the mailbox:
  // same digits, same owner, so the lookup just made answers it (two Redis round trips fewer
  // on the commonest login; found by npm run bench -- compare).
  const callerOwner = dialDigits(callerNumber) === dialDigits(mailbox) ? (target?.kind === 'user' ? target.id : null) : await userOfNumber(ctx, callerNumber);
  const ownPhone = userId !== undefined && callerOwner === userId;

  const reservation = ownPhone ? null : await reserveThrottle(ctx, throttleBucket(callerNumber), policy);
  if (!ownPhone && reservation === null) {
    await ctx.record({ type: 'throttled', actor, ...where, outcome: 'refused' });
    return { result: 'throttled' };
  }

  const outcome: AttemptOutcome = userId ? await attempt(ctx, { key: userKey(userId), fields: USER_LOCK_FIELDS }, pin, policy) : { kind: 'missing' };
  switch (outcome.kind) {
    case 'missing':
      // Same cost and same answer as a wrong PIN: one attempt must not tell whether a mailbox
      // exists. The throttle reservation stays (a failure). The typed digits are not audited
      // (a confused caller may have typed a PIN at the mailbox prompt).
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await ctx.record({ type: 'login-failed', actor, ...where, outcome: 'unknown-mailbox' });
      return { result: 'invalid', attemptsLeft: policy.maxFailures - 1 };
    case 'no-pin':
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await giveBack(ctx, reservation);
      await ctx.record({ type: 'login-no-pin', actor, ...where, outcome: 'refused' });
      return { result: 'no-pin' };
    case 'locked':
      await giveBack(ctx, reservation);
      await recordLocked(ctx, USER_EVENTS, actor, where, outcome);
      return { result: 'locked' };
    case 'wrong':
      await ctx.record({ type: 'login-failed', actor, ...where, outcome: 'wrong-pin', detail: `attempts left ${outcome.attemptsLeft}` });
      return { result: 'invalid', attemptsLeft: outcome.attemptsLeft };
    case 'ok': {
      await giveBack(ctx, reservation);
      const [mustChange, mustRecordName] = await ctx.redis.hmget(userKey(userId as string), 'mustChange', 'mustRecordName');
      await ctx.record({ type: 'login-ok', actor, ...where, outcome: 'ok' });
      return { result: 'ok', mustChange: mustChange === '1', mustRecordName: mustRecordName === '1', userId: userId as string };
    }
  }
}

const USER_EVENTS = { failed: 'login-failed', refused: 'login-refused-locked', locked: 'locked' } as const;
const ADMIN_EVENTS = { failed: 'admin-login-failed', refused: 'admin-login-refused-locked', locked: 'admin-locked' } as const;

/**
 * Audit a `locked` answer: a wrong PIN that was compared is a failure; the lock, when this
 * attempt caused it, is its own (notified) event; otherwise the attempt was refused unevaluated.
 */
async function recordLocked(
  ctx: StoreContext,
  events: { failed: AuditEventType; refused: AuditEventType; locked: AuditEventType },
  actor: string,
  subject: { userId?: string; locationId?: string },
  outcome: { causedNow: boolean; evaluated: boolean },
): Promise<void> {
  if (outcome.evaluated) await ctx.record({ type: events.failed, actor, ...subject, outcome: 'wrong-pin', detail: 'attempts left 0' });
  if (outcome.causedNow) {
    const detail = outcome.evaluated ? 'consecutive failures reached the limit' : 'more attempts than the limit were pending or abandoned';
    await ctx.record({ type: events.locked, actor, ...subject, outcome: 'locked', detail });
  } else if (!outcome.evaluated) {
    await ctx.record({ type: events.refused, actor, ...subject, outcome: 'refused' });
  }
}

export async function verifyAdminPasscode(
  ctx: StoreContext,
  locationId: string,
  pin: string,
  callerNumber: string | undefined,
): Promise<AdminVerifyResult> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const actor = actorOf(callerNumber);
  // Admin logins always come from "another phone" (the portal's own number is no user's):
  // they always go through the spray throttle.
  const reservation = await reserveThrottle(ctx, throttleBucket(callerNumber), policy);
  if (reservation === null) {
    await ctx.record({ type: 'throttled', actor, locationId, outcome: 'refused' });
    return { result: 'throttled' };
  }
  const outcome = await attempt(ctx, { key: locationKey(locationId), fields: ADMIN_LOCK_FIELDS }, pin, policy);
  switch (outcome.kind) {
    case 'missing':
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await ctx.record({ type: 'admin-login-failed', actor, outcome: 'unknown-location' });
      return { result: 'invalid', attemptsLeft: policy.maxFailures - 1 };
    case 'no-pin':
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await giveBack(ctx, reservation);
      await ctx.record({ type: 'admin-login-failed', actor, locationId, outcome: 'no-passcode' });
      return { result: 'no-pin' };
    case 'locked':
      await giveBack(ctx, reservation);
      await recordLocked(ctx, ADMIN_EVENTS, actor, { locationId }, outcome);
      return { result: 'locked' };
    case 'wrong':
      await ctx.record({ type: 'admin-login-failed', actor, locationId, outcome: 'wrong-pin', detail: `attempts left ${outcome.attemptsLeft}` });
      return { result: 'invalid', attemptsLeft: outcome.attemptsLeft };
    case 'ok':
      await giveBack(ctx, reservation);
      await ctx.record({ type: 'admin-login-ok', actor, locationId, outcome: 'ok' });
      return { result: 'ok', locationId };
  }
}
