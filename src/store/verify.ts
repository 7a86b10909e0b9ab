/**
 * Login: a user's PIN (verifyUserPin) and a location's admin passcode (verifyAdminPasscode).
 *
 * Order of one attempt (reserve-then-evaluate: counted before the PIN is compared, so a
 * hang-up or a crash leaves it counted), each step safe if the process dies after it:
 * 1. Pepper check (PepperMismatch: nothing evaluated).
 * 2. Throttles, unless the caller is on the target mailbox's own phone (which takes a call
 *    the dialplan marked trusted: issue #11): the attempt is RESERVED before any PIN is
 *    compared, in the location's window of failures from untrusted calls (untrusted calls
 *    only), then in the calling number's bucket (canonical number for untrusted calls); a
 *    full window answers `throttled`. A crash later leaves it counted (safe side).
 * 3. The attempt is RESERVED on the mailbox (reserve_attempt): lock checked and failure count
 *    incremented atomically, before the hash is compared; at maxFailures counted and still
 *    pending, the attempt is refused, not counted. A mailbox number nobody has is a phantom
 *    subject counted the same way, so it "locks" like a real one; a mailbox with no PIN is
 *    counted like a wrong PIN, except on its owner's own trusted phone (where the caller is
 *    told no passcode is set yet).
 * 4. The hash is compared (slow, off the event loop).
 * 5. Settlement: correct → settle_success settles the attempts counted up to this one (not
 *    those reserved after it) unless a lock or a generation change happened meanwhile;
 *    wrong → settle_failure, which locks once maxFailures are counted and none is pending
 *    (for good, or temporarily for an untrusted call under `untrustedLockout: 'temporary'`):
 *    guesses counted around a correct PIN being verified cannot lock it out. So at most maxFailures
 *    wrong PINs are ever evaluated between two successes, whatever the interleaving, and the
 *    stored count never exceeds maxFailures. A correct PIN gives its throttle slots back;
 *    a failure, the locking one included, keeps them.
 * 6. Audit entry (and warn log + webhook for a lock, with the number of subjects locked in
 *    the last hour). Written last: losing it to a crash loses a record, never protection.
 */
import { randomUUID } from 'node:crypto';
import { canonicalCaller, homeNumbering, SHARED_BUCKET } from '../security/caller-id';
import type { StoreContext } from './context';
import { dialMatchOfUser, resolveDial } from './directory';
import { enqueueMail } from './mail-queue';
import { locationKey, locationUntrustedFailuresKey, phantomKey, recentLocksKey, throttleKey, userKey, userMessagesKey } from './keys';
import { ADMIN_LOCK_FIELDS, dialDigits, PHANTOM_LOCK_FIELDS, USER_LOCK_FIELDS, type LockFields } from './records';
import { replyArray, replyNumber, replyString } from './scripts';
import type { AdminVerifyResult, AuditEventType, MessageCounts, OrgPolicy, User, VerifyResult } from './types';

export const THROTTLE_WINDOW_MS = 60 * 60 * 1000;

/** Issue #11 temporary locks: the first lasts this long, each next one in a row twice as long. */
export const TEMPORARY_LOCK_FIRST_MS = 5 * 60 * 1000;
/** Temporary locks in a row (5, 10, 20 min) before the next lock is for good. */
export const TEMPORARY_LOCKS_BEFORE_PERMANENT = 3;
/** A phantom subject (a mailbox nobody has) is forgotten this long after its last attempt. */
export const PHANTOM_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Attempts pending at the limit for this long were abandoned (a hash takes ~50 ms; a crash or
 * a hang-up mid-verification never settles): the next attempt locks instead of waiting.
 */
export const ABANDONED_AFTER_MS = 30 * 1000;
/** Window of the "subjects locked in the last hour" count of lock notifications. */
export const RECENT_LOCKS_WINDOW_MS = 60 * 60 * 1000;

/** Where a login attempt comes from, as the dialplan marked the call (issue #11). */
export interface LoginOrigin {
  /**
   * True only for calls from the organisation's own phones (Stasis argument `internal`). The
   * store's default, for its administrative and test callers; the portal always passes what
   * the dialplan said.
   */
  trusted: boolean;
}

const TRUSTED: LoginOrigin = { trusted: true };

/** The throttle bucket of a trusted calling number: its digits, or one shared `anonymous` bucket. */
export function throttleBucket(callerNumber: string | undefined): string {
  return dialDigits(callerNumber) ?? SHARED_BUCKET;
}

type AttemptOutcome =
  /** `values`: the subject's `okFields`; `messages`: its message counts (a user); read by settle_success as it settled. */
  | { kind: 'ok'; values: string[]; messages?: MessageCounts }
  | { kind: 'wrong'; attemptsLeft: number }
  /** causedNow: this attempt locked it; evaluated: its PIN was compared (and was wrong). */
  | { kind: 'locked'; causedNow: boolean; evaluated: boolean; temporary: boolean }
  /** maxFailures attempts counted and still pending: refused, not counted, not evaluated. */
  | { kind: 'refused' }
  | { kind: 'no-pin' }
  | { kind: 'missing' };

interface Subject {
  key: string;
  fields: LockFields;
  /** 'refuse': no PIN → no-pin, nothing counted (own trusted phone); 'count': like a wrong PIN. */
  noPin: 'refuse' | 'count';
  /** 0 for a real subject; the lifetime of a phantom one. */
  phantomTtlMs: number;
  lockMode: 'permanent' | 'temporary';
  /** Fields a success returns with it (settle_success reads them in its round trip). */
  okFields?: readonly string[];
  /** A user's message sets (its slot), whose sizes a success returns with it (same round trip). */
  messageSets?: { new: string; saved: string };
}

/** What a user's successful login leads to (forced PIN change, name recording): read as the success settles. */
const USER_OK_FIELDS = ['mustChange', 'mustRecordName'] as const;

/** Steps 3-5 for one subject (user, location admin access, or phantom). */
async function attempt(ctx: StoreContext, subject: Subject, pin: string, policy: OrgPolicy): Promise<AttemptOutcome> {
  const { key, fields } = subject;
  const max = policy.maxFailures;
  const lockArgs = [subject.lockMode, TEMPORARY_LOCK_FIRST_MS, TEMPORARY_LOCKS_BEFORE_PERMANENT];
  const reserved = replyArray(
    await ctx.scripts.run(
      'reserve_attempt',
      [key],
      [
        fields.hash,
        fields.failures,
        fields.locked,
        fields.gen,
        max,
        fields.until,
        fields.seq,
        fields.reservedAt,
        fields.tempLocks,
        subject.noPin,
        subject.phantomTtlMs,
        ...lockArgs,
        ABANDONED_AFTER_MS,
        fields.pending,
      ],
    ),
  );
  const verdict = replyString(reserved[0]);
  switch (verdict) {
    case 'missing':
      return { kind: 'missing' };
    case 'locked':
      return { kind: 'locked', causedNow: false, evaluated: false, temporary: false };
    case 'locked-now':
      return { kind: 'locked', causedNow: true, evaluated: false, temporary: replyString(reserved[1]) === 'temporary' };
    case 'refused':
      return { kind: 'refused' };
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
  const place = replyNumber(reserved[4]);
  // No PIN (or a phantom): the same work as a wrong PIN, and it cannot match.
  const { ok, needsRehash } = stored === '' ? await dummyWrong(ctx, pin) : await ctx.hasher.verifyPin(pin, stored, ctx.pepper);
  if (ok) {
    const rehash = needsRehash ? await ctx.hasher.hashPin(pin, ctx.pepper) : '';
    const reply = await ctx.scripts.run(
      'settle_success',
      [key, subject.messageSets?.new ?? key, subject.messageSets?.saved ?? key],
      [fields.hash, fields.failures, fields.locked, fields.gen, gen, stored, rehash, fields.seq, place, fields.tempLocks, fields.pending, ...(subject.okFields ?? [])],
    );
    // 'ok' comes as {'ok', values…, new, saved} when okFields or message sets were asked
    // for; every other answer is a string.
    const settled = replyString(Array.isArray(reply) ? reply[0] : reply);
    if (settled === 'ok') {
      const extra = Array.isArray(reply) ? reply.slice(1) : [];
      const fieldCount = subject.okFields?.length ?? 0;
      const values = extra.slice(0, fieldCount).map(replyString);
      if (!subject.messageSets) return { kind: 'ok', values };
      return { kind: 'ok', values, messages: { newMessages: replyNumber(extra[fieldCount]), oldMessages: replyNumber(extra[fieldCount + 1]) } };
    }
    if (settled === 'locked') return { kind: 'locked', causedNow: false, evaluated: false, temporary: false };
    if (settled === 'missing') return { kind: 'missing' };
    // 'stale': the PIN matched a hash that was replaced (or a lock lifted) meanwhile: refuse.
    return { kind: 'wrong', attemptsLeft: await attemptsLeft(ctx, key, fields, max) };
  }
  const settled = replyString(
    await ctx.scripts.run('settle_failure', [key], [
      fields.failures,
      fields.locked,
      fields.gen,
      gen,
      max,
      fields.until,
      fields.tempLocks,
      ...lockArgs,
      fields.pending,
    ]),
  );
  if (settled === 'locked-now') return { kind: 'locked', causedNow: true, evaluated: true, temporary: false };
  if (settled === 'locked-now-temporary') return { kind: 'locked', causedNow: true, evaluated: true, temporary: true };
  if (settled === 'locked') return { kind: 'locked', causedNow: false, evaluated: true, temporary: false };
  if (settled === 'missing') return { kind: 'missing' };
  return { kind: 'wrong', attemptsLeft: count < max ? max - count : await attemptsLeft(ctx, key, fields, max) };
}

async function dummyWrong(ctx: StoreContext, pin: string): Promise<{ ok: false; needsRehash: false }> {
  await ctx.hasher.dummyVerify(pin, ctx.pepper);
  return { ok: false, needsRehash: false };
}

async function attemptsLeft(ctx: StoreContext, key: string, fields: LockFields, max: number): Promise<number> {
  const failures = Number((await ctx.redis.hget(key, fields.failures)) ?? 0);
  return Math.max(0, max - failures);
}

interface Reservation {
  key: string;
  member: string;
}

/** Step 2 for one window. Returns the reservation to give back on success, or null when full. */
async function reserveWindow(ctx: StoreContext, key: string, limit: number): Promise<Reservation | null> {
  const member = randomUUID();
  const reply = replyArray(await ctx.scripts.run('throttle_reserve', [key], [THROTTLE_WINDOW_MS, limit, member]));
  return replyNumber(reply[0]) === 1 ? { key, member } : null;
}

async function giveBack(ctx: StoreContext, reservations: Reservation[]): Promise<void> {
  for (const r of reservations) await ctx.redis.zrem(r.key, r.member);
}

/**
 * Step 2: the throttles this attempt must pass. Untrusted: the location's window, then the
 * canonical caller's bucket. Trusted: the caller's bucket. `null` when refused (with the
 * reason for the audit); the reservations to give back on a success otherwise.
 */
async function reserveThrottles(
  ctx: StoreContext,
  policy: OrgPolicy,
  caller: { bucket: string; trusted: boolean; locationId: string | undefined },
): Promise<{ reservations: Reservation[] } | { refused: 'caller' | 'location' }> {
  const reservations: Reservation[] = [];
  if (!caller.trusted && caller.locationId) {
    const perLocation = await reserveWindow(ctx, locationUntrustedFailuresKey(caller.locationId), policy.locationThrottlePerHour);
    if (!perLocation) return { refused: 'location' };
    reservations.push(perLocation);
  }
  const perCaller = await reserveWindow(ctx, throttleKey(caller.bucket), policy.throttlePerHour);
  if (!perCaller) {
    // Not this attempt's failure: the location's slot goes back.
    await giveBack(ctx, reservations);
    return { refused: 'caller' };
  }
  reservations.push(perCaller);
  return { reservations };
}

/**
 * Step 1 with reads that do not depend on it already under way: waits for the pepper check
 * (its error first, whatever the reads did), then for the reads. Only for reads: nothing may
 * be written before the pepper is known to be ours.
 */
async function afterPepperCheck<T extends unknown[]>(ctx: StoreContext, ...reads: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  // Handled here so that a read failing while the pepper check fails is no unhandled rejection.
  for (const read of reads) read.catch(() => undefined);
  await ctx.ensurePepper();
  return (await Promise.all(reads)) as T;
}

/** The throttle bucket of a caller: canonical E.164 digits of the location's numbering when untrusted. */
async function bucketOf(ctx: StoreContext, callerNumber: string | undefined, origin: LoginOrigin, locationId: string | undefined): Promise<string> {
  if (origin.trusted) return throttleBucket(callerNumber);
  const portalNumber = locationId ? await ctx.redis.hget(locationKey(locationId), 'portalNumber') : null;
  return canonicalCaller(callerNumber, homeNumbering(portalNumber ?? undefined));
}

/** Which user a calling number belongs to, if any (for "own phone"). */
async function userOfNumber(ctx: StoreContext, number: string | undefined): Promise<string | null> {
  const match = await resolveDial(ctx, number);
  return match?.kind === 'user' ? match.id : null;
}

function actorOf(bucket: string): string {
  return `caller:${bucket}`;
}

/** The phantom subject of a mailbox number nobody has (its dial digits; anything else shares one). */
function phantomOf(mailbox: string): string {
  return phantomKey(dialDigits(mailbox) ?? 'other');
}

function lockModeOf(policy: OrgPolicy, origin: LoginOrigin): 'permanent' | 'temporary' {
  return !origin.trusted && policy.untrustedLockout === 'temporary' ? 'temporary' : 'permanent';
}

/** A user read by the same call moments before (findUserByMailbox), whose lookup need not be repeated. */
export type KnownOwner = Pick<User, 'id' | 'extension' | 'number' | 'locationId'>;

/**
 * `portalLocationId`: the location whose portal the caller dialled. It names the location of
 * the audit events about a mailbox that matches no user, so `audit --location` shows them,
 * and it is the location whose limit on untrusted failures and whose numbering apply
 * (else the mailbox's own location). `origin`: whether the dialplan marked the call as from
 * the organisation's own phones (issue #11); only then can the caller ID make it "own phone".
 * `known`: the mailbox's owner as this call read it already (the own-phone login: the
 * caller ID's user, found when the call began): used instead of the dial-index lookup when
 * the mailbox is that user's extension or number. Its PIN state is always read afresh (the
 * reservation script checks the record still exists).
 */
export async function verifyUserPin(
  ctx: StoreContext,
  mailbox: string,
  pin: string,
  callerNumber: string | undefined,
  portalLocationId?: string,
  origin: LoginOrigin = TRUSTED,
  known?: KnownOwner,
): Promise<VerifyResult> {
  // The mailbox's owner as the call already read it (its own phone's user), else looked up.
  const match = known ? dialMatchOfUser(known, mailbox) : null;
  // Independent reads sent together (one round trip of waiting instead of three in a row);
  // the pepper's verdict still comes first: a mismatch evaluates and writes nothing.
  const [policy, target] = await afterPepperCheck(ctx, ctx.policy(), match ? Promise.resolve(match) : resolveDial(ctx, mailbox));
  const userId = target?.kind === 'user' ? target.id : undefined;
  // Every event about this mailbox names its location, so `audit --location` finds it.
  const locationId = target?.kind === 'user' ? target.locationId : portalLocationId;
  const where = { ...(userId ? { userId } : {}), ...(locationId ? { locationId } : {}) };
  // A login from one's own phone types (or is given) the caller's own digits as the mailbox:
  // same digits, same owner, so the lookup just made answers it (two Redis round trips fewer
  // on the commonest login; found by npm run bench -- compare).
  const callerOwner =
    dialDigits(callerNumber) === dialDigits(mailbox)
      ? target?.kind === 'user'
        ? target.id
        : null
      : known && dialMatchOfUser(known, callerNumber)
        ? known.id
        : await userOfNumber(ctx, callerNumber);
  const ownPhone = origin.trusted && userId !== undefined && callerOwner === userId;
  const limitLocation = portalLocationId ?? locationId;
  const bucket = await bucketOf(ctx, callerNumber, origin, limitLocation);
  const actor = actorOf(bucket);

  let reservations: Reservation[] = [];
  if (!ownPhone) {
    const throttle = await reserveThrottles(ctx, policy, { bucket, trusted: origin.trusted, locationId: limitLocation });
    if ('refused' in throttle) {
      const detail = throttle.refused === 'location' ? 'location limit on failures from untrusted calls' : undefined;
      await ctx.record({ type: 'throttled', actor, ...where, outcome: 'refused', ...(detail ? { detail } : {}) });
      return { result: 'throttled' };
    }
    reservations = throttle.reservations;
  }

  const lockMode = lockModeOf(policy, origin);
  const subject: Subject = userId
    ? {
        key: userKey(userId),
        fields: USER_LOCK_FIELDS,
        noPin: ownPhone ? 'refuse' : 'count',
        phantomTtlMs: 0,
        lockMode,
        okFields: USER_OK_FIELDS,
        messageSets: { new: userMessagesKey(userId, 'new'), saved: userMessagesKey(userId, 'saved') },
      }
    : { key: phantomOf(mailbox), fields: PHANTOM_LOCK_FIELDS, noPin: 'count', phantomTtlMs: PHANTOM_TTL_MS, lockMode };
  const outcome = await attempt(ctx, subject, pin, policy);
  const phantom = userId === undefined;
  // A trusted caller does not pay for attempts that were never evaluated; an untrusted one
  // pays for every attempt but a success (it costs the attacker, not the victim).
  const unevaluated = outcome.kind === 'no-pin' || outcome.kind === 'refused' || (outcome.kind === 'locked' && !outcome.evaluated && !outcome.causedNow);
  if (outcome.kind === 'ok' || (origin.trusted && unevaluated)) await giveBack(ctx, reservations);
  switch (outcome.kind) {
    case 'missing':
      // The user was removed while this attempt ran: the same answer as a wrong PIN.
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await ctx.record({ type: 'login-failed', actor, ...where, outcome: 'unknown-mailbox' });
      return { result: 'invalid', attemptsLeft: policy.maxFailures - 1 };
    case 'no-pin':
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await ctx.record({ type: 'login-no-pin', actor, ...where, outcome: 'refused' });
      return { result: 'no-pin' };
    case 'refused':
      await ctx.record({
        type: 'login-refused-locked',
        actor,
        ...where,
        outcome: phantom ? 'unknown-mailbox' : 'refused',
        detail: 'attempts at the limit still pending',
      });
      return { result: 'locked' };
    case 'locked':
      if (phantom) await recordPhantomLocked(ctx, actor, where, outcome);
      else await recordLocked(ctx, USER_EVENTS, actor, where, outcome, subject.key);
      return { result: 'locked' };
    case 'wrong':
      await ctx.record({
        type: 'login-failed',
        actor,
        ...where,
        outcome: phantom ? 'unknown-mailbox' : 'wrong-pin',
        detail: `attempts left ${outcome.attemptsLeft}`,
      });
      return { result: 'invalid', attemptsLeft: outcome.attemptsLeft };
    case 'ok': {
      const [mustChange, mustRecordName] = outcome.values;
      await ctx.record({ type: 'login-ok', actor, ...where, outcome: 'ok' });
      return {
        result: 'ok',
        mustChange: mustChange === '1',
        mustRecordName: mustRecordName === '1',
        userId: userId as string,
        messages: outcome.messages ?? { newMessages: 0, oldMessages: 0 },
      };
    }
  }
}

/** A phantom "lock" is no real lock: audited, never notified (nothing real is at stake). */
async function recordPhantomLocked(
  ctx: StoreContext,
  actor: string,
  where: { userId?: string; locationId?: string },
  outcome: { causedNow: boolean; evaluated: boolean },
): Promise<void> {
  if (outcome.evaluated || outcome.causedNow) {
    await ctx.record({ type: 'login-failed', actor, ...where, outcome: 'unknown-mailbox', detail: 'attempts left 0: the unknown number now answers "locked"' });
  } else {
    await ctx.record({ type: 'login-refused-locked', actor, ...where, outcome: 'unknown-mailbox' });
  }
}

/**
 * Issue #16: a user whose mailbox just locked gets an e-mail (when they have an address and
 * the application sends mail). After the lock and its audit entry; a failure here is logged
 * and never changes the caller's answer.
 */
async function queueLockMail(ctx: StoreContext, userId: string): Promise<void> {
  if (!ctx.mailLockNotifications) return;
  try {
    if (!(await ctx.redis.hget(userKey(userId), 'email'))) return;
    await enqueueMail(ctx, 'locked', userId);
  } catch (err) {
    ctx.logger.warn('could not queue the lock e-mail', { user: userId, error: err instanceof Error ? err.message : String(err) });
  }
}

const USER_EVENTS = { failed: 'login-failed', refused: 'login-refused-locked', locked: 'locked' } as const;
const ADMIN_EVENTS = { failed: 'admin-login-failed', refused: 'admin-login-refused-locked', locked: 'admin-locked' } as const;

/**
 * Audit a `locked` answer: a wrong PIN that was compared is a failure; the lock, when this
 * attempt caused it, is its own (notified) event, with how many subjects were locked in the
 * last hour; otherwise the attempt was refused unevaluated.
 */
async function recordLocked(
  ctx: StoreContext,
  events: { failed: AuditEventType; refused: AuditEventType; locked: AuditEventType },
  actor: string,
  subject: { userId?: string; locationId?: string },
  outcome: { causedNow: boolean; evaluated: boolean; temporary: boolean },
  subjectKey: string,
): Promise<void> {
  if (outcome.evaluated) await ctx.record({ type: events.failed, actor, ...subject, outcome: 'wrong-pin', detail: 'attempts left 0' });
  if (outcome.causedNow) {
    const lockedLastHour = replyNumber(await ctx.scripts.run('note_lock', [recentLocksKey], [subjectKey, RECENT_LOCKS_WINDOW_MS]));
    const why = outcome.evaluated ? 'consecutive failures reached the limit' : 'attempts at the limit were abandoned';
    const how = outcome.temporary ? 'temporary lock (failures from an untrusted call)' : 'locked until an administrator acts';
    await ctx.record({
      type: events.locked,
      actor,
      ...subject,
      outcome: outcome.temporary ? 'locked-temporarily' : 'locked',
      detail: `${why}; ${how}; ${lockedLastHour} locked in the last hour`,
      lockedLastHour,
    });
    if (events === USER_EVENTS && subject.userId) await queueLockMail(ctx, subject.userId);
  } else if (!outcome.evaluated) {
    await ctx.record({ type: events.refused, actor, ...subject, outcome: 'refused' });
  }
}

/**
 * The admin passcode, typed after the location's portal number at the mailbox prompt: always
 * "another phone", so always through the throttles (the location's too when untrusted).
 */
export async function verifyAdminPasscode(
  ctx: StoreContext,
  locationId: string,
  pin: string,
  callerNumber: string | undefined,
  origin: LoginOrigin = TRUSTED,
): Promise<AdminVerifyResult> {
  const [policy] = await afterPepperCheck(ctx, ctx.policy());
  const bucket = await bucketOf(ctx, callerNumber, origin, locationId);
  const actor = actorOf(bucket);
  const throttle = await reserveThrottles(ctx, policy, { bucket, trusted: origin.trusted, locationId });
  if ('refused' in throttle) {
    const detail = throttle.refused === 'location' ? 'location limit on failures from untrusted calls' : undefined;
    await ctx.record({ type: 'throttled', actor, locationId, outcome: 'refused', ...(detail ? { detail } : {}) });
    return { result: 'throttled' };
  }
  const { reservations } = throttle;
  const subject: Subject = {
    key: locationKey(locationId),
    fields: ADMIN_LOCK_FIELDS,
    noPin: 'refuse',
    phantomTtlMs: 0,
    lockMode: lockModeOf(policy, origin),
  };
  const outcome = await attempt(ctx, subject, pin, policy);
  const unevaluated = outcome.kind === 'no-pin' || outcome.kind === 'refused' || (outcome.kind === 'locked' && !outcome.evaluated && !outcome.causedNow);
  if (outcome.kind === 'ok' || (origin.trusted && unevaluated)) await giveBack(ctx, reservations);
  switch (outcome.kind) {
    case 'missing':
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await ctx.record({ type: 'admin-login-failed', actor, outcome: 'unknown-location' });
      return { result: 'invalid', attemptsLeft: policy.maxFailures - 1 };
    case 'no-pin':
      await ctx.hasher.dummyVerify(pin, ctx.pepper);
      await ctx.record({ type: 'admin-login-failed', actor, locationId, outcome: 'no-passcode' });
      return { result: 'no-pin' };
    case 'refused':
      await ctx.record({ type: 'admin-login-refused-locked', actor, locationId, outcome: 'refused', detail: 'attempts at the limit still pending' });
      return { result: 'locked' };
    case 'locked':
      await recordLocked(ctx, ADMIN_EVENTS, actor, { locationId }, outcome, subject.key);
      return { result: 'locked' };
    case 'wrong':
      await ctx.record({ type: 'admin-login-failed', actor, locationId, outcome: 'wrong-pin', detail: `attempts left ${outcome.attemptsLeft}` });
      return { result: 'invalid', attemptsLeft: outcome.attemptsLeft };
    case 'ok':
      await ctx.record({ type: 'admin-login-ok', actor, locationId, outcome: 'ok' });
      return { result: 'ok', locationId };
  }
}
