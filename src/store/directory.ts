/**
 * Users, locations and the dial index (CRUD the CLI needs).
 *
 * Steps across keys of different slots cannot be one script, so they are ordered to fail
 * safe (see README.md, "Crash ordering"): references to a record are created BEFORE the
 * record and removed AFTER it, so a crash leaves at worst a reference the record does not
 * confirm, which every reader treats as absent (resolveDial checks the record holds the
 * digits; listings check the record's location) and the next create/remove repairs. The
 * security state of a user (PIN hash, lock) lives only in the user's own hash, never
 * half-written.
 */
import { randomUUID } from 'node:crypto';
import { checkAdminPasscode } from '../security/pin-policy';
import type { StoreContext } from './context';
import { Conflict, InvalidInput, NotFound, PinRejected } from './errors';
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
  requireEmail,
  requireEmailMessagesMode,
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
import type { Actor, Location, LocationChanges, NewLocation, NewUser, User, UserChanges } from './types';

async function ownerExists(ctx: StoreContext, owner: DialOwner): Promise<boolean> {
  const key = owner.kind === 'user' ? userKey(owner.id) : locationKey(owner.id);
  return (await ctx.redis.exists(key)) === 1;
}

/**
 * Claim dialable identifiers for an owner, all or none. An identifier still held by a record
 * that no longer exists (a crash between two steps of a removal) is freed and claimed.
 */
async function claimDial(ctx: StoreContext, owner: DialOwner, digits: string[]): Promise<void> {
  if (digits.length === 0) return;
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

/** Which of a user's dialable fields holds these digits, if any (the record confirms the index). */
function userDialField(digits: string, extension: string | null, number: string | null): 'extension' | 'number' | null {
  return extension === digits ? 'extension' : dialDigits(number ?? undefined) === digits ? 'number' : null;
}

/**
 * What `dialled` resolves to when `user` is its owner as read moments ago (findUserByMailbox
 * at the start of a call), without asking Redis again; null when the digits are not the
 * user's (then resolveDial decides).
 */
export function dialMatchOfUser(user: Pick<User, 'id' | 'extension' | 'number' | 'locationId'>, dialled: string | undefined): DialMatch | null {
  const digits = dialDigits(dialled);
  const field = digits ? userDialField(digits, user.extension, user.number ?? null) : null;
  return field ? { kind: 'user', id: user.id, field, locationId: user.locationId || undefined } : null;
}

/** What a dialable identifier resolves to, confirmed by the owner's record. */
export type DialMatch =
  | { kind: 'user'; id: string; field: 'extension' | 'number'; locationId: string | undefined }
  | { kind: 'location'; id: string; field: 'portalNumber' | 'portalExtension' };

/**
 * Who owns these digits (a leading + ignored), if anyone. The dial index names the owner and
 * the owner's record must confirm it: an entry left by an interrupted create, update or
 * removal (the record missing, or holding other digits now) resolves to nobody.
 */
export async function resolveDial(ctx: StoreContext, dialled: string | undefined): Promise<DialMatch | null> {
  const digits = dialDigits(dialled);
  if (!digits) return null;
  const owner = parseDialOwner(await ctx.redis.hget(dialIndexKey, digits));
  if (!owner) return null;
  if (owner.kind === 'user') {
    const [extension, number, locationId] = await ctx.redis.hmget(userKey(owner.id), 'extension', 'number', 'locationId');
    const field = userDialField(digits, extension, number);
    return field ? { kind: 'user', id: owner.id, field, locationId: locationId || undefined } : null;
  }
  const [portalNumber, portalExtension] = await ctx.redis.hmget(locationKey(owner.id), 'portalNumber', 'portalExtension');
  const field = portalExtension === digits ? 'portalExtension' : dialDigits(portalNumber ?? undefined) === digits ? 'portalNumber' : null;
  return field ? { kind: 'location', id: owner.id, field } : null;
}

/**
 * For the policy that refuses `*` logins from callers outside the organisation: true when the
 * calling number is a user's extension or phone number, or a location's portal number.
 */
export async function isOrganisationCaller(ctx: StoreContext, callerNumber: string | undefined): Promise<boolean> {
  const match = await resolveDial(ctx, callerNumber);
  return match !== null && (match.kind === 'user' || match.field === 'portalNumber');
}

/**
 * The PIN state a user is created with when it is not the default one (the app_voicemail
 * import: a PIN brought over from another system, hashed by the store).
 */
export interface InitialPinState {
  /** Our hash of the PIN, or null: no PIN. */
  hash: string | null;
  mustChange: boolean;
  mustRecordName: boolean;
  /** Audit outcome of the `user-created` event. */
  outcome: string;
  detail?: string;
}

/**
 * Create a user. With a default PIN set, the user starts with it (hash copied) and must change
 * it; without, the user has no PIN. Either way the name must be recorded. (`initial` replaces
 * that starting state: the import.)
 * Steps: attach to location → claim extension/number → create the record → list → audit.
 */
export async function createUser(ctx: StoreContext, input: NewUser, actor: Actor, initial?: InitialPinState): Promise<User> {
  const id = requireId(input.id ?? randomUUID(), 'user');
  requireId(input.locationId, 'location');
  const extension = requireExtension(input.extension);
  const number = input.number !== undefined ? requireE164(input.number) : undefined;
  const language = input.language !== undefined ? requireLanguage(input.language) : undefined;
  const displayName = input.displayName !== undefined ? requireText(input.displayName, 'display name') : undefined;
  const email = input.email !== undefined ? requireEmail(input.email) : undefined;
  const emailMessages = input.emailMessages !== undefined ? requireEmailMessagesMode(input.emailMessages) : undefined;
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
  const pinHash = initial ? (initial.hash ?? undefined) : defaultPin?.hash;
  const fields = fieldList({
    id,
    locationId: input.locationId,
    extension,
    number,
    language,
    displayName,
    email,
    emailMessages: emailMessages === 'off' ? undefined : emailMessages,
    createdAt: now,
    pinHash,
    pinChangedAt: pinHash ? now : undefined,
    mustChange: (initial ? initial.mustChange && pinHash !== undefined : Boolean(defaultPin)) ? 1 : 0,
    mustRecordName: initial && !initial.mustRecordName ? 0 : 1,
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
  const outcome = initial ? initial.outcome : defaultPin ? 'default-pin' : 'no-pin';
  await ctx.record({ type: 'user-created', actor, userId: id, locationId: input.locationId, outcome, ...(initial?.detail ? { detail: initial.detail } : {}) });
  return (await getUser(ctx, id)) as User;
}

export async function getUser(ctx: StoreContext, userId: string): Promise<User | null> {
  if (!isValidId(userId)) return null;
  return toUser(await ctx.redis.hgetall(userKey(userId)));
}

/**
 * The user whose extension or phone number (a leading + ignored) this is, if any. Confirmed
 * as resolveDial does, but on the whole record read once (HGETALL), so the commonest lookup
 * of a call (the caller's own mailbox) costs two Redis round trips instead of three.
 */
export async function findUserByMailbox(ctx: StoreContext, mailbox: string): Promise<User | null> {
  const digits = dialDigits(mailbox);
  if (!digits) return null;
  const owner = parseDialOwner(await ctx.redis.hget(dialIndexKey, digits));
  if (owner?.kind !== 'user' || !isValidId(owner.id)) return null;
  const raw = await ctx.redis.hgetall(userKey(owner.id));
  return userDialField(digits, raw.extension ?? null, raw.number ?? null) ? toUser(raw) : null;
}

/**
 * The user with this e-mail address (compared lower-cased), if exactly one has it. A scan of
 * the user records, not an index: it is used to sign in to the "My voicemail" page, whose
 * server caches the answer briefly (src/api/web-auth.ts). Two users with one address match
 * nobody: the page must not guess.
 */
export async function findUserByEmail(ctx: StoreContext, email: string): Promise<User | null> {
  const wanted = email.trim().toLowerCase();
  if (wanted === '') return null;
  const matches = (await listUsers(ctx)).filter((u) => u.email === wanted);
  return matches.length === 1 ? (matches[0] as User) : null;
}

export async function listUsers(ctx: StoreContext, filter: { locationId?: string; lockedOnly?: boolean } = {}): Promise<User[]> {
  const ids = await ctx.redis.smembers(filter.locationId !== undefined ? locationUsersKey(filter.locationId) : allUsersKey);
  if (ids.length === 0) return [];
  // Sent together without waiting for each reply (not a pipeline: on a Cluster the users'
  // records live on different masters, and a pipeline must stay on one).
  const records = await Promise.all(ids.map((id) => ctx.redis.hgetall(userKey(id))));
  const users: User[] = [];
  for (const raw of records) {
    const user = toUser(raw);
    // A dangling id (crash between steps) has no record, or a record elsewhere: skipped.
    if (!user || (filter.locationId !== undefined && user.locationId !== filter.locationId)) continue;
    if (filter.lockedOnly && user.lockedSince === undefined) continue;
    users.push(user);
  }
  return users.sort((a, b) => a.extension.localeCompare(b.extension));
}

/** Remove a user. Steps: delete the record (login impossible at once) → free identifiers → unlist → audit. */
export async function removeUser(ctx: StoreContext, userId: string, actor: Actor): Promise<void> {
  if (!isValidId(userId)) throw new NotFound(`no user ${userId}`);
  await ctx.ensurePepper();
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
  await ctx.ensurePepper();
  let adminHash: string | undefined;
  if (input.adminPasscode !== undefined) {
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
  const match = await resolveDial(ctx, dialled);
  return match?.kind === 'location' ? getLocation(ctx, match.id) : null;
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
  await ctx.ensurePepper();
  // Members without a record, or whose record names another location, are leftovers of an
  // interrupted create, remove or move: forget them.
  for (const userId of await ctx.redis.smembers(locationUsersKey(locationId))) {
    const recorded = await ctx.redis.hget(userKey(userId), 'locationId');
    if (recorded !== locationId) await ctx.redis.srem(locationUsersKey(locationId), userId);
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

/** The dialable digits of a user or a portal, in a fixed order, without the absent ones. */
function dialSet(...values: (string | undefined)[]): string[] {
  return values.map((v) => dialDigits(v)).filter((d): d is string => d !== null);
}

/** A new value for an optional field: undefined = unchanged, null = removed. */
function optional<T>(value: T | null | undefined, check: (v: T) => T): T | null | undefined {
  return value === undefined || value === null ? value : check(value);
}

/** What update_record needs: expectations (read values), fields to set, fields to delete. */
interface RecordChange {
  expect: Record<string, string | undefined>;
  set: Record<string, string>;
  del: string[];
}

function updateRecordArgs(change: RecordChange): string[] {
  const expect = Object.entries(change.expect);
  const set = Object.entries(change.set);
  return [
    String(expect.length),
    ...expect.flatMap(([field, value]) => [field, value ?? '']),
    String(set.length),
    ...set.flat(),
    String(change.del.length),
    ...change.del,
  ];
}

/** 1 updated, 0 the record is gone, -1 it changed since it was read. */
async function updateRecord(ctx: StoreContext, key: string, change: RecordChange): Promise<number> {
  return replyNumber(await ctx.scripts.run('update_record', [key], updateRecordArgs(change)));
}

/** Field-by-field difference between two versions of a record (undefined = absent). */
function recordChange(before: Record<string, string | undefined>, after: Record<string, string | undefined>): Pick<RecordChange, 'set' | 'del'> {
  const set: Record<string, string> = {};
  const del: string[] = [];
  for (const [field, value] of Object.entries(after)) {
    if (value === before[field]) continue;
    if (value === undefined) del.push(field);
    else set[field] = value;
  }
  return { set, del };
}

/** `extension 1001 -> 1002; number removed; …` for the audit detail (no secret in it). */
function describeChange(before: Record<string, string | undefined>, after: Record<string, string | undefined>, quiet: ReadonlySet<string>): string {
  const parts: string[] = [];
  for (const [field, value] of Object.entries(after)) {
    if (value === before[field]) continue;
    if (quiet.has(field)) parts.push(`${field} changed`);
    else if (value === undefined) parts.push(`${field} removed`);
    else parts.push(`${field} ${before[field] ?? '-'} -> ${value}`);
  }
  return parts.join('; ');
}

function attachUser(ctx: StoreContext, locationId: string, userId: string): Promise<boolean> {
  return ctx.scripts
    .run('attach_user', [locationKey(locationId), locationUsersKey(locationId)], [userId])
    .then((reply) => replyNumber(reply) === 1);
}

/**
 * Change a user's extension, number, language, name or location. Only the fields given
 * change; `null` removes an optional field. Identifiers stay unique across users and portals.
 *
 * Steps (README, "Crash ordering"): pepper → attach to the new location (if moving) → claim
 * the new identifiers → update the record, only if its identifiers and location are still
 * the ones read (else undo and Conflict) → if moving, attach again (the new location may
 * have been removed meanwhile: then the record is put back) → free the old identifiers →
 * leave the old location's set → audit.
 */
export async function updateUser(ctx: StoreContext, userId: string, changes: UserChanges, actor: Actor): Promise<User> {
  if (!isValidId(userId)) throw new NotFound(`no user ${userId}`);
  const extension = changes.extension !== undefined ? requireExtension(changes.extension) : undefined;
  const number = optional(changes.number, (n) => requireE164(n));
  const language = optional(changes.language, requireLanguage);
  const displayName = optional(changes.displayName, (n) => requireText(n, 'display name'));
  const locationId = changes.locationId !== undefined ? requireId(changes.locationId, 'location') : undefined;
  const email = optional(changes.email, requireEmail);
  const emailMessages = changes.emailMessages !== undefined ? requireEmailMessagesMode(changes.emailMessages) : undefined;
  if ([extension, number, language, displayName, locationId, email, emailMessages].every((v) => v === undefined)) {
    throw new InvalidInput('nothing to change: give at least one field');
  }
  await ctx.ensurePepper();
  const raw = await ctx.redis.hgetall(userKey(userId));
  if (!toUser(raw)) throw new NotFound(`no user ${userId}`);

  const before = {
    extension: raw.extension,
    number: raw.number,
    language: raw.language,
    displayName: raw.displayName,
    locationId: raw.locationId,
    email: raw.email,
    emailMessages: raw.emailMessages,
  };
  const pick = <T>(given: T | null | undefined, current: T | undefined): T | undefined => (given === undefined ? current : (given ?? undefined));
  const after = {
    extension: extension ?? before.extension,
    number: pick(number, before.number),
    language: pick(language, before.language),
    displayName: pick(displayName, before.displayName),
    locationId: locationId ?? before.locationId,
    email: pick(email, before.email),
    // `off` is the absence of the field.
    emailMessages: emailMessages === undefined ? before.emailMessages : emailMessages === 'off' ? undefined : emailMessages,
  };
  const oldDigits = dialSet(before.extension, before.number);
  const newDigits = dialSet(after.extension, after.number);
  if (new Set(newDigits).size !== newDigits.length) throw new Conflict('extension and number must differ');
  const added = newDigits.filter((d) => !oldDigits.includes(d));
  const removed = oldDigits.filter((d) => !newDigits.includes(d));
  const moving = after.locationId !== before.locationId;
  const newLocation = after.locationId as string;
  const owner: DialOwner = { kind: 'user', id: userId };

  // References first: membership of the new location, then the new identifiers.
  if (moving && !(await attachUser(ctx, newLocation, userId))) throw new NotFound(`no location ${newLocation}`);
  const undoReferences = async (): Promise<void> => {
    await releaseDial(ctx, owner, added);
    if (moving) await ctx.redis.srem(locationUsersKey(newLocation), userId);
  };
  try {
    await claimDial(ctx, owner, added);
  } catch (err) {
    if (moving) await ctx.redis.srem(locationUsersKey(newLocation), userId);
    throw err;
  }

  const guarded = { extension: before.extension, number: before.number, locationId: before.locationId };
  const updated = await updateRecord(ctx, userKey(userId), { expect: guarded, ...recordChange(before, after) });
  if (updated !== 1) {
    await undoReferences();
    if (updated === 0) throw new NotFound(`no user ${userId}`);
    throw new Conflict(`user ${userId} was changed by someone else meanwhile; nothing was changed, try again`);
  }
  if (moving && !(await attachUser(ctx, newLocation, userId))) {
    // The new location was removed between the two attaches (its removal pruned this user,
    // whose record did not name it yet): put the record back as it was.
    const guardedNew = { extension: after.extension, number: after.number, locationId: after.locationId };
    await updateRecord(ctx, userKey(userId), { expect: guardedNew, ...recordChange(after, before) });
    await releaseDial(ctx, owner, added);
    throw new NotFound(`no location ${newLocation}`);
  }
  // Old references last.
  await releaseDial(ctx, owner, removed);
  if (moving && before.locationId) await ctx.redis.srem(locationUsersKey(before.locationId), userId);
  // Names and addresses are personal data: the audit says they changed, not to what.
  const detail = describeChange(before, after, new Set(['displayName', 'email']));
  await ctx.record({ type: 'user-updated', actor, userId, locationId: newLocation, outcome: 'ok', detail: detail || 'no change' });
  return (await getUser(ctx, userId)) as User;
}

/**
 * Change a location's name, language, time zone, portal number or portal extension. Only the
 * fields given change; `null` removes the portal number or extension, but one must remain.
 * Same order as updateUser: claim new identifiers → update the record (guarded on the
 * identifiers read) → free the old ones → audit.
 */
export async function updateLocation(ctx: StoreContext, locationId: string, changes: LocationChanges, actor: Actor): Promise<Location> {
  if (!isValidId(locationId)) throw new NotFound(`no location ${locationId}`);
  const name = changes.name !== undefined ? requireText(changes.name, 'name') : undefined;
  const language = changes.language !== undefined ? requireLanguage(changes.language) : undefined;
  const timeZone = changes.timeZone !== undefined ? requireTimeZone(changes.timeZone) : undefined;
  const portalNumber = optional(changes.portalNumber, (n) => requireE164(n, 'portal number'));
  const portalExtension = optional(changes.portalExtension, (e) => requireExtension(e, 'portal extension'));
  if ([name, language, timeZone, portalNumber, portalExtension].every((v) => v === undefined)) {
    throw new InvalidInput('nothing to change: give at least one field');
  }
  await ctx.ensurePepper();
  const raw = await ctx.redis.hgetall(locationKey(locationId));
  if (!toLocation(raw)) throw new NotFound(`no location ${locationId}`);

  const before = { name: raw.name, language: raw.language, timeZone: raw.timeZone, portalNumber: raw.portalNumber, portalExtension: raw.portalExtension };
  const pick = (given: string | null | undefined, current: string | undefined): string | undefined => (given === undefined ? current : (given ?? undefined));
  const after = {
    name: name ?? before.name,
    language: language ?? before.language,
    timeZone: timeZone ?? before.timeZone,
    portalNumber: pick(portalNumber, before.portalNumber),
    portalExtension: pick(portalExtension, before.portalExtension),
  };
  if (!after.portalNumber && !after.portalExtension) throw new Conflict('a location needs a portal number or a portal extension');
  const oldDigits = dialSet(before.portalNumber, before.portalExtension);
  const newDigits = dialSet(after.portalNumber, after.portalExtension);
  if (new Set(newDigits).size !== newDigits.length) throw new Conflict('portal number and extension must differ');
  const added = newDigits.filter((d) => !oldDigits.includes(d));
  const removed = oldDigits.filter((d) => !newDigits.includes(d));
  const owner: DialOwner = { kind: 'location', id: locationId };

  await claimDial(ctx, owner, added);
  const guarded = { portalNumber: before.portalNumber, portalExtension: before.portalExtension };
  const updated = await updateRecord(ctx, locationKey(locationId), { expect: guarded, ...recordChange(before, after) });
  if (updated !== 1) {
    await releaseDial(ctx, owner, added);
    if (updated === 0) throw new NotFound(`no location ${locationId}`);
    throw new Conflict(`location ${locationId} was changed by someone else meanwhile; nothing was changed, try again`);
  }
  await releaseDial(ctx, owner, removed);
  const detail = describeChange(before, after, new Set(['name']));
  await ctx.record({ type: 'location-updated', actor, locationId, outcome: 'ok', detail: detail || 'no change' });
  return (await getLocation(ctx, locationId)) as Location;
}
