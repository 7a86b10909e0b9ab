/**
 * Users, locations and the dial index (CRUD the CLI needs).
 *
 * Steps across keys of different slots cannot be one script, so they are ordered to fail
 * safe (see README.md, "Crash ordering"): references to a record are created BEFORE the
 * record and removed AFTER it, so a crash leaves at worst a reference to nothing, which
 * every reader treats as absent and the next create/remove repairs. The security state of a
 * user (PIN hash, lock) lives only in the user's own hash, never half-written.
 */
import { randomUUID } from 'node:crypto';
import { checkAdminPasscode } from '../security/pin-policy';
import type { StoreContext } from './context';
import { Conflict, NotFound, PinRejected } from './errors';
import {
  allLocationsKey,
  allUsersKey,
  dialIndexKey,
  dialOwnerValue,
  isValidId,
  locationKey,
  locationUsersKey,
  parseDialOwner,
  userHistoryKey,
  userKey,
  type DialOwner,
} from './keys';
import {
  dialDigits,
  requireE164,
  requireExtension,
  requireId,
  requireLanguage,
  requireText,
  requireTimeZone,
  toLocation,
  toUser,
  type RawRecord,
} from './records';
import { replyArray, replyNumber, replyString } from './scripts';
import type { Actor, Location, NewLocation, NewUser, User } from './types';

async function ownerExists(ctx: StoreContext, owner: DialOwner): Promise<boolean> {
  const key = owner.kind === 'user' ? userKey(owner.id) : locationKey(owner.id);
  return (await ctx.redis.exists(key)) === 1;
}

/**
 * Claim dialable identifiers for an owner, all or none. An identifier still held by a record
 * that no longer exists (a crash between two steps of a removal) is freed and claimed.
 */
async function claimDial(ctx: StoreContext, owner: DialOwner, digits: string[]): Promise<void> {
  const ownerValue = dialOwnerValue(owner);
  for (let round = 0; ; round++) {
    const reply = replyArray(await ctx.scripts.run('claim_dial', [dialIndexKey], [ownerValue, ...digits]));
    if (replyNumber(reply[0]) === 1) return;
    const taken = replyString(reply[1]);
    const holderValue = replyString(reply[2]);
    const holder = parseDialOwner(holderValue);
    if (round < 3 && holder && !(await ownerExists(ctx, holder))) {
      await ctx.scripts.run('release_dial', [dialIndexKey], [holderValue, taken]);
      continue;
    }
    const what = holder?.kind === 'location' ? `location ${holder.id}'s portal` : `user ${holder?.id ?? '?'}`;
    throw new Conflict(`${taken} is already used by ${what}`);
  }
}

async function releaseDial(ctx: StoreContext, owner: DialOwner, digits: string[]): Promise<void> {
  if (digits.length > 0) await ctx.scripts.run('release_dial', [dialIndexKey], [dialOwnerValue(owner), ...digits]);
}

function fieldList(record: Record<string, string | number | undefined>): string[] {
  const list: string[] = [];
  for (const [field, value] of Object.entries(record)) if (value !== undefined && value !== '') list.push(field, String(value));
  return list;
}

function rawFromReply(reply: string[]): RawRecord {
  const raw: RawRecord = {};
  for (let i = 0; i + 1 < reply.length; i += 2) raw[reply[i]] = reply[i + 1];
  return raw;
}

/**
 * Create a user. With a default PIN set, the user starts with it (hash copied) and must change
 * it; without, the user has no PIN. Either way the name must be recorded.
 * Steps: attach to location → claim extension/number → create the record → list → audit.
 */
export async function createUser(ctx: StoreContext, input: NewUser, actor: Actor): Promise<User> {
  const id = requireId(input.id ?? randomUUID(), 'user');
  requireId(input.locationId, 'location');
  const extension = requireExtension(input.extension);
  const number = input.number !== undefined ? requireE164(input.number) : undefined;
  const language = input.language !== undefined ? requireLanguage(input.language) : undefined;
  const displayName = input.displayName !== undefined ? requireText(input.displayName, 'display name') : undefined;
  const digits = [extension, ...(number ? [dialDigits(number) as string] : [])];
  if (new Set(digits).size !== digits.length) throw new Conflict('extension and number must differ');
  // The default PIN's hash may be copied: that is writing a PIN.
  await ctx.ensurePepper();
  if ((await ctx.redis.exists(userKey(id))) === 1) throw new Conflict(`user ${id} already exists`);

  if (replyNumber(await ctx.scripts.run('attach_user', [locationKey(input.locationId), locationUsersKey(input.locationId)], [id])) !== 1) {
    throw new NotFound(`no location ${input.locationId}`);
  }
  const owner: DialOwner = { kind: 'user', id };
  try {
    await claimDial(ctx, owner, digits);
  } catch (err) {
    await ctx.redis.srem(locationUsersKey(input.locationId), id);
    throw err;
  }
  const defaultPin = await ctx.defaultPin();
  const now = ctx.now();
  const fields = fieldList({
    id,
    locationId: input.locationId,
    extension,
    number,
    language,
    displayName,
    createdAt: now,
    pinHash: defaultPin?.hash,
    pinChangedAt: defaultPin ? now : undefined,
    mustChange: defaultPin ? 1 : 0,
    mustRecordName: 1,
    failures: 0,
    gen: 0,
  });
  if (replyNumber(await ctx.scripts.run('create_record', [userKey(id)], fields)) !== 1) {
    // Lost a race with another create of the same id: that user keeps its identifiers.
    throw new Conflict(`user ${id} already exists`);
  }
  // Attach again: removeLocation prunes members without a record, so if the location was
  // removed while this user was being created, the user must not survive without it.
  if (replyNumber(await ctx.scripts.run('attach_user', [locationKey(input.locationId), locationUsersKey(input.locationId)], [id])) !== 1) {
    await ctx.scripts.run('remove_user', [userKey(id), userHistoryKey(id)], []);
    await releaseDial(ctx, owner, digits);
    throw new NotFound(`no location ${input.locationId}`);
  }
  await ctx.redis.sadd(allUsersKey, id);
  await ctx.record({ type: 'user-created', actor, userId: id, locationId: input.locationId, outcome: defaultPin ? 'default-pin' : 'no-pin' });
  return (await getUser(ctx, id)) as User;
}

export async function getUser(ctx: StoreContext, userId: string): Promise<User | null> {
  if (!isValidId(userId)) return null;
  return toUser(await ctx.redis.hgetall(userKey(userId)));
}

/** The user whose extension or phone number (a leading + ignored) this is, if any. */
export async function findUserByMailbox(ctx: StoreContext, mailbox: string): Promise<User | null> {
  const digits = dialDigits(mailbox);
  if (!digits) return null;
  const owner = parseDialOwner(await ctx.redis.hget(dialIndexKey, digits));
  return owner?.kind === 'user' ? getUser(ctx, owner.id) : null;
}

export async function listUsers(ctx: StoreContext, filter: { locationId?: string; lockedOnly?: boolean } = {}): Promise<User[]> {
  const ids = await ctx.redis.smembers(filter.locationId !== undefined ? locationUsersKey(filter.locationId) : allUsersKey);
  if (ids.length === 0) return [];
  const pipeline = ctx.redis.pipeline();
  for (const id of ids) pipeline.hgetall(userKey(id));
  const replies = (await pipeline.exec()) ?? [];
  const users: User[] = [];
  for (const [err, raw] of replies) {
    if (err) throw err;
    const user = toUser(raw as RawRecord);
    // A dangling id (crash between steps) has no record: skipped.
    if (!user) continue;
    if (filter.lockedOnly && user.lockedSince === undefined) continue;
    users.push(user);
  }
  return users.sort((a, b) => a.extension.localeCompare(b.extension));
}

/** Remove a user. Steps: delete the record (login impossible at once) → free identifiers → unlist → audit. */
export async function removeUser(ctx: StoreContext, userId: string, actor: Actor): Promise<void> {
  if (!isValidId(userId)) throw new NotFound(`no user ${userId}`);
  const reply = replyArray(await ctx.scripts.run('remove_user', [userKey(userId), userHistoryKey(userId)], []));
  if (reply.length === 0) throw new NotFound(`no user ${userId}`);
  const raw = rawFromReply(reply.map((r) => replyString(r)));
  const digits = [raw.extension, dialDigits(raw.number)].filter((d): d is string => Boolean(d));
  await releaseDial(ctx, { kind: 'user', id: userId }, digits);
  if (raw.locationId) await ctx.redis.srem(locationUsersKey(raw.locationId), userId);
  await ctx.redis.srem(allUsersKey, userId);
  await ctx.record({ type: 'user-removed', actor, userId, ...(raw.locationId ? { locationId: raw.locationId } : {}), outcome: 'ok' });
}

/**
 * Add a location with its portal number and/or extension (at least one; never equal to a
 * user's identifier). Steps: claim identifiers → create the record → list → audit.
 */
export async function addLocation(ctx: StoreContext, input: NewLocation, actor: Actor): Promise<Location> {
  const id = requireId(input.id ?? randomUUID(), 'location');
  const name = requireText(input.name, 'name');
  const portalNumber = input.portalNumber !== undefined ? requireE164(input.portalNumber, 'portal number') : undefined;
  const portalExtension = input.portalExtension !== undefined ? requireExtension(input.portalExtension, 'portal extension') : undefined;
  if (!portalNumber && !portalExtension) throw new Conflict('a location needs a portal number or a portal extension');
  const language = requireLanguage(input.language);
  const timeZone = requireTimeZone(input.timeZone);
  const digits = [...(portalNumber ? [dialDigits(portalNumber) as string] : []), ...(portalExtension ? [portalExtension] : [])];
  if (new Set(digits).size !== digits.length) throw new Conflict('portal number and extension must differ');
  let adminHash: string | undefined;
  if (input.adminPasscode !== undefined) {
    await ctx.ensurePepper();
    const rejection = checkAdminPasscode(input.adminPasscode, await ctx.policy());
    if (rejection) throw new PinRejected(rejection);
    adminHash = await ctx.hasher.hashPin(input.adminPasscode, ctx.pepper);
  }
  if ((await ctx.redis.exists(locationKey(id))) === 1) throw new Conflict(`location ${id} already exists`);
  await claimDial(ctx, { kind: 'location', id }, digits);
  const now = ctx.now();
  const fields = fieldList({
    id,
    name,
    portalNumber,
    portalExtension,
    language,
    timeZone,
    createdAt: now,
    adminHash,
    adminChangedAt: adminHash ? now : undefined,
    adminFailures: 0,
    adminGen: 0,
  });
  if (replyNumber(await ctx.scripts.run('create_record', [locationKey(id)], fields)) !== 1) {
    throw new Conflict(`location ${id} already exists`);
  }
  await ctx.redis.sadd(allLocationsKey, id);
  await ctx.record({ type: 'location-added', actor, locationId: id, outcome: 'ok', detail: adminHash ? 'with admin passcode' : 'no admin passcode' });
  return (await getLocation(ctx, id)) as Location;
}

export async function getLocation(ctx: StoreContext, locationId: string): Promise<Location | null> {
  if (!isValidId(locationId)) return null;
  return toLocation(await ctx.redis.hgetall(locationKey(locationId)));
}

/** The location whose portal number or extension (a leading + ignored) this is, if any. */
export async function findLocationByPortal(ctx: StoreContext, dialled: string): Promise<Location | null> {
  const digits = dialDigits(dialled);
  if (!digits) return null;
  const owner = parseDialOwner(await ctx.redis.hget(dialIndexKey, digits));
  return owner?.kind === 'location' ? getLocation(ctx, owner.id) : null;
}

export async function listLocations(ctx: StoreContext): Promise<Location[]> {
  const ids = await ctx.redis.smembers(allLocationsKey);
  const locations: Location[] = [];
  for (const id of ids) {
    const location = await getLocation(ctx, id);
    if (location) locations.push(location);
  }
  return locations.sort((a, b) => a.id.localeCompare(b.id));
}

/** Remove a location; refused (Conflict) while it has users. */
export async function removeLocation(ctx: StoreContext, locationId: string, actor: Actor): Promise<void> {
  if (!isValidId(locationId)) throw new NotFound(`no location ${locationId}`);
  // Members without a record are leftovers of an interrupted create or remove: forget them.
  for (const userId of await ctx.redis.smembers(locationUsersKey(locationId))) {
    if ((await ctx.redis.exists(userKey(userId))) === 0) await ctx.redis.srem(locationUsersKey(locationId), userId);
  }
  const reply = replyArray(await ctx.scripts.run('remove_location', [locationKey(locationId), locationUsersKey(locationId)], []));
  const verdict = replyString(reply[0]);
  if (verdict === 'missing') throw new NotFound(`no location ${locationId}`);
  if (verdict === 'has-users') throw new Conflict(`location ${locationId} still has ${replyNumber(reply[1])} user(s)`);
  const digits = [dialDigits(replyString(reply[1])), replyString(reply[2])].filter((d): d is string => Boolean(d));
  await releaseDial(ctx, { kind: 'location', id: locationId }, digits);
  await ctx.redis.srem(allLocationsKey, locationId);
  await ctx.record({ type: 'location-removed', actor, locationId, outcome: 'ok' });
}
