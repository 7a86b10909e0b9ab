/**
 * PIN state operations: reset, random one-time PIN, self-service set, change, unlock, the
 * default PIN and admin passcodes (each one Lua script on the user's or location's keys),
 * followed by their audit entry. The PIN policy is checked before anything is written.
 */
import { checkAdminPasscode, checkPinForUser, checkPinShape, type PinPolicy } from '../security/pin-policy';
import type { StoreContext } from './context';
import { NotFound, PinRejected } from './errors';
import { locationKey, orgKeys, userHistoryKey, userKey } from './keys';
import { ADMIN_LOCK_FIELDS, toUser, USER_LOCK_FIELDS } from './records';
import { replyArray, replyNumber } from './scripts';
import type { Actor, User } from './types';

interface PinStateChange {
  pin: { set: string } | 'clear';
  mustChange: boolean | 'keep';
  mustRecordName: boolean | 'keep';
  unlock: boolean;
  pushHistory: boolean;
}

const flag = (value: boolean | 'keep'): string => (value === 'keep' ? 'keep' : value ? '1' : '0');

/**
 * Apply one row of the table "What each operation leaves behind" (docs/admin-guide.md)
 * atomically. Returns whether the mailbox was locked.
 */
async function applyPinState(ctx: StoreContext, userId: string, change: PinStateChange, policy: PinPolicy): Promise<{ wasLocked: boolean }> {
  const reply = replyArray(
    await ctx.scripts.run(
      'set_pin_state',
      [userKey(userId), userHistoryKey(userId)],
      [
        change.pin === 'clear' ? 'clear' : 'set',
        change.pin === 'clear' ? '' : change.pin.set,
        flag(change.mustChange),
        flag(change.mustRecordName),
        change.unlock ? '1' : '0',
        change.pushHistory ? '1' : '0',
        policy.historySize,
        ctx.now(),
      ],
    ),
  );
  if (replyNumber(reply[0]) !== 1) throw new NotFound(`no user ${userId}`);
  return { wasLocked: replyNumber(reply[1]) === 1 };
}

async function requireUser(ctx: StoreContext, userId: string): Promise<User> {
  const user = toUser(await ctx.redis.hgetall(userKey(userId)));
  if (!user) throw new NotFound(`no user ${userId}`);
  return user;
}

/**
 * The complete user PIN policy: the pure rules, then "not the current default PIN", then
 * "not the current PIN nor one of the last historySize PINs". Throws PinRejected.
 */
async function checkNewUserPin(ctx: StoreContext, user: User, pin: string, policy: PinPolicy): Promise<void> {
  const pure = checkPinForUser(pin, policy, { extension: user.extension, ...(user.number ? { phoneNumber: user.number } : {}) });
  if (pure) throw new PinRejected(pure, pure === 'too-short' ? policy.minLength : pure === 'too-long' ? policy.maxLength : undefined);
  const defaultPin = await ctx.defaultPin();
  if (defaultPin && (await ctx.hasher.matchesAnyHash(pin, [defaultPin.hash], ctx.pepper))) throw new PinRejected('is-default');
  const current = await ctx.redis.hget(userKey(user.id), USER_LOCK_FIELDS.hash);
  const history = policy.historySize > 0 ? await ctx.redis.lrange(userHistoryKey(user.id), 0, policy.historySize - 1) : [];
  const recent = [...(current ? [current] : []), ...history.filter((h) => h !== current)];
  if (await ctx.hasher.matchesAnyHash(pin, recent, ctx.pepper)) throw new PinRejected('used-recently');
}

/** The user changes their PIN on the phone after logging in: must-change cleared. */
export async function changePin(ctx: StoreContext, userId: string, pin: string, actor: Actor): Promise<void> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const user = await requireUser(ctx, userId);
  await checkNewUserPin(ctx, user, pin, policy);
  const hash = await ctx.hasher.hashPin(pin, ctx.pepper);
  await applyPinState(ctx, userId, { pin: { set: hash }, mustChange: false, mustRecordName: 'keep', unlock: false, pushHistory: true }, policy);
  await ctx.record({ type: 'pin-changed', actor, userId, locationId: user.locationId, outcome: 'ok' });
}

/** Self-service: the new PIN works at once, no forced change, mailbox unlocked, name unchanged. */
export async function selfServiceSetPin(ctx: StoreContext, userId: string, pin: string, actor: Actor): Promise<void> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const user = await requireUser(ctx, userId);
  await checkNewUserPin(ctx, user, pin, policy);
  const hash = await ctx.hasher.hashPin(pin, ctx.pepper);
  const { wasLocked } = await applyPinState(
    ctx,
    userId,
    { pin: { set: hash }, mustChange: false, mustRecordName: 'keep', unlock: true, pushHistory: true },
    policy,
  );
  await ctx.record({ type: 'self-service-set', actor, userId, locationId: user.locationId, outcome: 'ok' });
  if (wasLocked) await ctx.record({ type: 'unlocked', actor, userId, locationId: user.locationId, outcome: 'unlocked', detail: 'self-service PIN set' });
}

/**
 * Admin reset: unlocked; PIN = the current default PIN (hash copied) with a forced change, or
 * no PIN at all without a default; the name must be recorded again.
 */
export async function adminResetPin(ctx: StoreContext, userId: string, actor: Actor): Promise<{ pin: 'default' | 'none' }> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const user = await requireUser(ctx, userId);
  const defaultPin = await ctx.defaultPin();
  await applyPinState(
    ctx,
    userId,
    defaultPin
      ? { pin: { set: defaultPin.hash }, mustChange: true, mustRecordName: true, unlock: true, pushHistory: false }
      : { pin: 'clear', mustChange: false, mustRecordName: true, unlock: true, pushHistory: false },
    policy,
  );
  const pin = defaultPin ? 'default' : 'none';
  await ctx.record({ type: 'admin-reset', actor, userId, locationId: user.locationId, outcome: pin === 'default' ? 'default-pin' : 'no-pin' });
  return { pin };
}

/**
 * A random one-time PIN (policy length minimum), returned once and stored only as a hash;
 * must be changed on first use; name recorded again; unlocked.
 */
export async function issueRandomPin(ctx: StoreContext, userId: string, actor: Actor): Promise<string> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const user = await requireUser(ctx, userId);
  const context = { extension: user.extension, ...(user.number ? { phoneNumber: user.number } : {}) };
  const pin = await drawRandomPin(ctx, user, policy, (candidate) => checkPinForUser(candidate, policy, context) === null);
  const hash = await ctx.hasher.hashPin(pin, ctx.pepper);
  await applyPinState(ctx, userId, { pin: { set: hash }, mustChange: true, mustRecordName: true, unlock: true, pushHistory: true }, policy);
  await ctx.record({ type: 'random-pin-issued', actor, userId, locationId: user.locationId, outcome: 'ok' });
  return pin;
}

/** A random PIN passing the whole policy; the history/default checks need hashes (async), so draw again on a clash. */
async function drawRandomPin(ctx: StoreContext, user: User, policy: PinPolicy, isAcceptable: (pin: string) => boolean): Promise<string> {
  for (let tries = 0; ; tries++) {
    const pin = ctx.hasher.randomPin(policy.minLength, isAcceptable);
    try {
      await checkNewUserPin(ctx, user, pin, policy);
      return pin;
    } catch (err) {
      if (!(err instanceof PinRejected) || tries >= 5) throw err;
    }
  }
}

/** Unlock only: PIN, must-change and name unchanged; failures back to 0. */
export async function unlockUser(ctx: StoreContext, userId: string, actor: Actor): Promise<{ wasLocked: boolean }> {
  await ctx.ensurePepper();
  const f = USER_LOCK_FIELDS;
  const result = replyNumber(await ctx.scripts.run('unlock', [userKey(userId)], [f.failures, f.locked, f.gen, f.until, f.tempLocks]));
  if (result === -1) throw new NotFound(`no user ${userId}`);
  const locationId = (await ctx.redis.hget(userKey(userId), 'locationId')) ?? undefined;
  await ctx.record({ type: 'unlocked', actor, userId, ...(locationId ? { locationId } : {}), outcome: result === 1 ? 'unlocked' : 'was-open' });
  return { wasLocked: result === 1 };
}

export async function unlockLocationAdmin(ctx: StoreContext, locationId: string, actor: Actor): Promise<{ wasLocked: boolean }> {
  await ctx.ensurePepper();
  const f = ADMIN_LOCK_FIELDS;
  const result = replyNumber(await ctx.scripts.run('unlock', [locationKey(locationId)], [f.failures, f.locked, f.gen, f.until, f.tempLocks]));
  if (result === -1) throw new NotFound(`no location ${locationId}`);
  await ctx.record({ type: 'admin-unlocked', actor, locationId, outcome: result === 1 ? 'unlocked' : 'was-open' });
  return { wasLocked: result === 1 };
}

/** A location's admin passcode (length and triviality rules); unlocks admin access. */
export async function setAdminPasscode(ctx: StoreContext, locationId: string, passcode: string, actor: Actor): Promise<void> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const rejection = checkAdminPasscode(passcode, policy);
  if (rejection) throw new PinRejected(rejection);
  const hash = await ctx.hasher.hashPin(passcode, ctx.pepper);
  const result = replyNumber(await ctx.scripts.run('set_admin_passcode', [locationKey(locationId)], [hash, ctx.now()]));
  if (result === -1) throw new NotFound(`no location ${locationId}`);
  await ctx.record({ type: 'admin-passcode-set', actor, locationId, outcome: 'ok' });
  if (result === 1) await ctx.record({ type: 'admin-unlocked', actor, locationId, outcome: 'unlocked', detail: 'new admin passcode' });
}

export async function markNameRecorded(ctx: StoreContext, userId: string, actor: Actor): Promise<void> {
  const updated = replyNumber(await ctx.scripts.run('update_if_exists', [userKey(userId)], ['mustRecordName', '0']));
  if (updated !== 1) throw new NotFound(`no user ${userId}`);
  await ctx.record({ type: 'name-recorded', actor, userId, outcome: 'ok' });
}

/** The default PIN must pass the rules that do not depend on a user (length, triviality, common PINs). */
export async function setDefaultPin(ctx: StoreContext, pin: string, actor: Actor): Promise<void> {
  await ctx.ensurePepper();
  const policy = await ctx.policy();
  const rejection = checkPinShape(pin, policy);
  if (rejection) throw new PinRejected(rejection);
  const hash = await ctx.hasher.hashPin(pin, ctx.pepper);
  // One HSET: hash and "since" change together.
  await ctx.redis.hset(orgKeys.defaultPin, 'hash', hash, 'since', String(ctx.now()));
  await ctx.record({ type: 'default-pin-set', actor, outcome: 'ok', detail: 'applies to users created from now on' });
}

export async function clearDefaultPin(ctx: StoreContext, actor: Actor): Promise<void> {
  await ctx.ensurePepper();
  await ctx.redis.del(orgKeys.defaultPin);
  await ctx.record({ type: 'default-pin-cleared', actor, outcome: 'ok' });
}
