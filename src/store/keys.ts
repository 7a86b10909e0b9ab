/**
 * Every Redis key the store uses, built here and nowhere else.
 *
 * Layout (all under the `vp:` prefix so the portal can share a Redis with other tenants):
 *
 * | key | type | what |
 * | --- | --- | --- |
 * | `vp:org:pepper` | string | fingerprint of the PIN pepper (never the pepper) |
 * | `vp:org:policy` | string | PIN policy, JSON |
 * | `vp:org:default-pin` | hash | `hash`, `since` (ms) of the default PIN |
 * | `vp:{u:<id>}:user` | hash | a user: profile and PIN state |
 * | `vp:{u:<id>}:history` | list | hashes of the user's last PINs, newest first |
 * | `vp:{l:<id>}:location` | hash | a location: profile and admin-passcode state |
 * | `vp:{l:<id>}:users` | set | ids of the location's users |
 * | `vp:users` / `vp:locations` | set | every user id / every location id |
 * | `vp:idx:dial` | hash | dialable digits → `u:<userId>` or `l:<locationId>` |
 * | `vp:throttle:<caller>` | zset | the caller's recent failures (score = ms); `<caller>` is canonical (issue #11) |
 * | `vp:{l:<id>}:untrusted-failures` | zset | the location's recent failures from untrusted calls (score = ms) |
 * | `vp:phantom:<digits>` | hash | lockout state of a mailbox number that matches no user (expires) |
 * | `vp:recent-locks` | zset | subjects locked in the last hour (member = subject key, score = ms) |
 * | `vp:audit` | stream | the audit trail: security and administrative events |
 * | `{vp:audit}:noise` | stream | the calls' noise, kept apart: throttled, refused while locked (its hash tag puts it in `vp:audit`'s Cluster slot, so `audit --follow` reads both in one XREAD) |
 * | `vp:{u:<id>}:msgs:new` / `:msgs:saved` | zset | the user's voice messages by status (score = received at, ms) |
 * | `vp:{u:<id>}:msgs:pending` | zset | deposits being recorded (score = started at, ms), see messages.ts |
 * | `vp:{u:<id>}:msg:<msgId>` | hash | one voice message's metadata (the audio is an Asterisk stored recording) |
 * | `vp:{lease:<app>:<server>}:holder` | hash, with expiry | who holds one Asterisk server's ARI app: `holder`, `token`, `since` (lease.ts) |
 * | `vp:{lease:<app>:<server>}:fence` | string | that lease's last fencing token (a counter, never expires) |
 * | `vp:api-tokens` | hash | integration tokens of the HTTP API: `n:<name>` → JSON {hash, scope, createdAt}, `h:<sha256>` → name |
 * | `vp:{mail}:queue` | zset | outgoing e-mail jobs (score = when due, ms), see mail-queue.ts |
 * | `vp:{mail}:job:<jobId>` | hash | one e-mail job |
 *
 * A user's keys share the hash tag `{u:<id>}` and a location's `{l:<id>}`: the Lua scripts
 * that touch one user (or one location) only ever name keys of one slot, so they stay valid
 * on Redis Cluster. Ids are restricted (see `isValidId`) so they cannot contain `{` or `}`
 * and break the tag.
 */

const PREFIX = 'vp:';

/** Ids are chosen by the operator (or generated); they end up inside key names. */
export function isValidId(id: string): boolean {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(id);
}

export const orgKeys = {
  pepperFingerprint: `${PREFIX}org:pepper`,
  policy: `${PREFIX}org:policy`,
  defaultPin: `${PREFIX}org:default-pin`,
} as const;

export function userKey(userId: string): string {
  return `${PREFIX}{u:${userId}}:user`;
}

export function userHistoryKey(userId: string): string {
  return `${PREFIX}{u:${userId}}:history`;
}

export function locationKey(locationId: string): string {
  return `${PREFIX}{l:${locationId}}:location`;
}

export function locationUsersKey(locationId: string): string {
  return `${PREFIX}{l:${locationId}}:users`;
}

/** A location's failures from untrusted calls, across every calling number (issue #11). */
export function locationUntrustedFailuresKey(locationId: string): string {
  return `${PREFIX}{l:${locationId}}:untrusted-failures`;
}

/**
 * The lockout state of a mailbox number nobody has, so that it "locks" after the same count
 * as a real one (issue #11). `digits` are 1-15 digits (the typed mailbox).
 */
export function phantomKey(digits: string): string {
  return `${PREFIX}phantom:${digits}`;
}

/** Subjects locked recently, for the "locked in the last hour" count of lock notifications. */
export const recentLocksKey = `${PREFIX}recent-locks`;

export const allUsersKey = `${PREFIX}users`;
export const allLocationsKey = `${PREFIX}locations`;

/** One namespace for every dialable identifier, so a portal number can never equal a user's. */
export const dialIndexKey = `${PREFIX}idx:dial`;

export type DialOwner = { kind: 'user'; id: string } | { kind: 'location'; id: string };

export function dialOwnerValue(owner: DialOwner): string {
  return `${owner.kind === 'user' ? 'u' : 'l'}:${owner.id}`;
}

export function parseDialOwner(value: string | null): DialOwner | null {
  if (!value) return null;
  const kind = value.startsWith('u:') ? 'user' : value.startsWith('l:') ? 'location' : null;
  return kind ? { kind, id: value.slice(2) } : null;
}

const THROTTLE_PREFIX = `${PREFIX}throttle:`;

export function throttleKey(bucket: string): string {
  return `${THROTTLE_PREFIX}${bucket}`;
}

/** SCAN pattern matching every throttle bucket. */
export const throttleKeyPattern = `${THROTTLE_PREFIX}*`;

export function bucketOfThrottleKey(key: string): string {
  return key.slice(THROTTLE_PREFIX.length);
}

export const auditKey = `${PREFIX}audit`;

/** Throttled and refused-while-locked events: a flood of them cannot roll the trail over. */
/**
 * The hash tag `{vp:audit}` hashes like the untagged `vp:audit`: both streams live in one
 * Cluster slot, so one XREAD (audit --follow) may name both.
 */
export const auditNoiseKey = `{${PREFIX}audit}:noise`;

export type MessageListStatus = 'new' | 'saved' | 'pending';

/** A user's voice messages of one status (zset of message ids, score = ms). */
export function userMessagesKey(userId: string, status: MessageListStatus): string {
  return `${PREFIX}{u:${userId}}:msgs:${status}`;
}

/** One voice message's metadata. */
export function userMessageKey(userId: string, messageId: string): string {
  return `${PREFIX}{u:${userId}}:msg:${messageId}`;
}

/** SCAN pattern matching every user's message lists (doctor, start-up lamp resync). */
export const userMessagesKeyPattern = `${PREFIX}{u:*}:msgs:*`;

/** The user id and status of a key matching `userMessagesKeyPattern`, or null. */
export function parseUserMessagesKey(key: string): { userId: string; status: MessageListStatus } | null {
  const m = /^vp:\{u:([A-Za-z0-9_.-]{1,64})\}:msgs:(new|saved|pending)$/.exec(key);
  return m ? { userId: m[1] as string, status: m[2] as MessageListStatus } : null;
}

/**
 * The active/standby lease of one Asterisk server's ARI application (src/store/lease.ts).
 * Both keys share the hash tag `{lease:<app>:<server>}` (the scripts touch them together).
 * The app and server names must be valid ids (`isValidId`): config.ts checks them.
 */
export function leaseKeys(app: string, server: string): { holder: string; fence: string } {
  if (!isValidId(app) || !isValidId(server)) throw new Error(`lease keys: bad app or server name (${app}, ${server})`);
  const tag = `${PREFIX}{lease:${app}:${server}}`;
  return { holder: `${tag}:holder`, fence: `${tag}:fence` };
}
/** Integration tokens of the self-service HTTP API (tokens.ts): one hash, so one slot. */
export const apiTokensKey = `${PREFIX}api-tokens`;
/** Outgoing e-mail (issue #16): one hash tag, so the queue scripts stay valid on Cluster. */
export const mailQueueKey = `${PREFIX}{mail}:queue`;

export function mailJobKey(jobId: string): string {
  return `${PREFIX}{mail}:job:${jobId}`;
}
