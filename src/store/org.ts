/** Organisation settings: policy (PIN policy and org settings), default PIN info, spray-throttle buckets. */
import { validatePolicy, type PinPolicy } from '../security/pin-policy';
import { scanKeys } from './connection';
import { parsePolicy, type StoreContext } from './context';
import { Conflict, InvalidInput } from './errors';
import { bucketOfThrottleKey, orgKeys, throttleKey, throttleKeyPattern } from './keys';
import { replyNumber } from './scripts';
import type { Actor, DefaultPinInfo, OrgPolicy, PolicyChanges, ThrottleBucket } from './types';
import { THROTTLE_WINDOW_MS, throttleBucket } from './verify';

/** The policy fields, in the order they are stored and described. */
const POLICY_FIELDS = [
  'minLength',
  'maxLength',
  'historySize',
  'maxFailures',
  'throttlePerHour',
  'refuseOutsideStarLogin',
  // issue #11
  'locationThrottlePerHour',
  'untrustedLockout',
  // issue #11: the common-PIN list
  'refuseCommonPins',
] as const;

/** Limits of the issue #11 settings. */
export const LOCATION_THROTTLE_LIMITS = Object.freeze({ min: 1, max: 100_000 });

/** Rounds of read-merge-validate-compare-and-set before giving up on a policy under heavy concurrent change. */
const POLICY_CAS_ROUNDS = 10;

/** Problems with a whole policy, as sentences; empty when valid. */
function validateOrgPolicy(policy: OrgPolicy): string[] {
  const errors = validatePolicy(policy);
  if (typeof policy.refuseOutsideStarLogin !== 'boolean') errors.push('refuseOutsideStarLogin must be true or false');
  const { min, max } = LOCATION_THROTTLE_LIMITS;
  const perLocation = policy.locationThrottlePerHour;
  if (!Number.isInteger(perLocation) || perLocation < min || perLocation > max) {
    errors.push(`locationThrottlePerHour must be a whole number between ${min} and ${max} (got ${String(perLocation)})`);
  }
  if (policy.untrustedLockout !== 'permanent' && policy.untrustedLockout !== 'temporary') {
    errors.push('untrustedLockout must be permanent or temporary');
  }
  return errors;
}

/** The known fields that are present in `changes` (an unknown key is a programming error). */
function pickChanges(changes: PolicyChanges): PolicyChanges {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(changes)) {
    if (!(POLICY_FIELDS as readonly string[]).includes(key)) throw new InvalidInput(`unknown policy field ${key}`);
    const value = (changes as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as PolicyChanges;
}

function policyDocument(policy: OrgPolicy): string {
  const ordered: Record<string, unknown> = {};
  for (const field of POLICY_FIELDS) ordered[field] = policy[field];
  return JSON.stringify(ordered);
}

/**
 * Change some policy fields, keeping the others as stored at the moment of the write: two
 * administrators changing different fields at once both get their change. Read, merge,
 * validate the MERGED policy, then compare-and-set (Lua) on the document read; if another
 * write got in between, start again from what it wrote. Throws InvalidInput (with
 * validatePolicy's sentences) when the merged policy is invalid, Conflict after
 * POLICY_CAS_ROUNDS lost races.
 */
export async function updatePolicy(ctx: StoreContext, changes: PolicyChanges, actor: Actor): Promise<OrgPolicy> {
  const requested = pickChanges(changes);
  const changed = Object.keys(requested);
  if (changed.length === 0) throw new InvalidInput('nothing to change: give at least one policy field');
  await ctx.ensurePepper();
  for (let round = 0; round < POLICY_CAS_ROUNDS; round++) {
    const stored = await ctx.redis.get(orgKeys.policy);
    const merged: OrgPolicy = { ...parsePolicy(stored), ...requested };
    const errors = validateOrgPolicy(merged);
    if (errors.length > 0) throw new InvalidInput(errors.join('; '));
    const text = policyDocument(merged);
    if (replyNumber(await ctx.scripts.run('compare_and_set', [orgKeys.policy], [stored ?? '', text])) === 1) {
      await ctx.record({ type: 'policy-set', actor, outcome: 'ok', detail: `changed ${changed.join(', ')}: ${text}` });
      return merged;
    }
  }
  throw new Conflict('the policy kept changing while this change was being saved; nothing was changed, try again');
}

/**
 * Set every PIN-policy field (the organisation settings such as refuseOutsideStarLogin keep
 * their value unless `policy` carries them). Throws InvalidInput with validatePolicy's sentences.
 */
export async function setPolicy(ctx: StoreContext, policy: PinPolicy & Partial<OrgPolicy>, actor: Actor): Promise<void> {
  const { minLength, maxLength, historySize, maxFailures, throttlePerHour, refuseOutsideStarLogin, locationThrottlePerHour, untrustedLockout, refuseCommonPins } = policy;
  await updatePolicy(
    ctx,
    { minLength, maxLength, historySize, maxFailures, throttlePerHour, refuseOutsideStarLogin, locationThrottlePerHour, untrustedLockout, refuseCommonPins },
    actor,
  );
}

export async function getDefaultPinInfo(ctx: StoreContext): Promise<DefaultPinInfo> {
  const record = await ctx.defaultPin();
  return record ? { set: true, since: record.since } : { set: false };
}

/** Every bucket with failures in the current window (sliding, one hour). */
export async function listThrottled(ctx: StoreContext): Promise<ThrottleBucket[]> {
  const limit = (await ctx.policy()).throttlePerHour;
  const since = (await ctx.redisNow()) - THROTTLE_WINDOW_MS;
  const buckets: ThrottleBucket[] = [];
  // SCAN on every master: on a Cluster the buckets are spread over all of them.
  const seen = new Set<string>();
  for await (const keys of scanKeys(ctx.redis, throttleKeyPattern, 200)) {
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      const failures = await ctx.redis.zcount(key, `(${since}`, '+inf');
      if (failures > 0) buckets.push({ caller: bucketOfThrottleKey(key), failures, throttled: failures >= limit });
    }
  }
  return buckets.sort((a, b) => b.failures - a.failures || a.caller.localeCompare(b.caller));
}

/** Forget a calling number's failures (`anonymous` for the shared bucket). */
export async function clearThrottle(ctx: StoreContext, caller: string, actor: Actor): Promise<boolean> {
  await ctx.ensurePepper();
  const bucket = caller === 'anonymous' ? 'anonymous' : throttleBucket(caller);
  const removed = await ctx.redis.del(throttleKey(bucket));
  await ctx.record({ type: 'throttle-cleared', actor, outcome: removed > 0 ? 'cleared' : 'was-empty', detail: `caller ${bucket}` });
  return removed > 0;
}
