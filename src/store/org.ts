/** Organisation settings: PIN policy, default PIN info, spray-throttle buckets. */
import { validatePolicy, type PinPolicy } from '../security/pin-policy';
import type { StoreContext } from './context';
import { InvalidInput } from './errors';
import { bucketOfThrottleKey, orgKeys, throttleKey, throttleKeyPattern } from './keys';
import type { Actor, DefaultPinInfo, ThrottleBucket } from './types';
import { THROTTLE_WINDOW_MS, throttleBucket } from './verify';

export async function setPolicy(ctx: StoreContext, policy: PinPolicy, actor: Actor): Promise<void> {
  const clean: PinPolicy = {
    minLength: policy.minLength,
    maxLength: policy.maxLength,
    historySize: policy.historySize,
    maxFailures: policy.maxFailures,
    throttlePerHour: policy.throttlePerHour,
  };
  const errors = validatePolicy(clean);
  if (errors.length > 0) throw new InvalidInput(errors.join('; '));
  const text = JSON.stringify(clean);
  await ctx.redis.set(orgKeys.policy, text);
  await ctx.record({ type: 'policy-set', actor, outcome: 'ok', detail: text });
}

export async function getDefaultPinInfo(ctx: StoreContext): Promise<DefaultPinInfo> {
  const record = await ctx.defaultPin();
  return record ? { set: true, since: record.since } : { set: false };
}

/** Every bucket with failures in the current window (sliding, one hour). */
export async function listThrottled(ctx: StoreContext): Promise<ThrottleBucket[]> {
  const limit = (await ctx.policy()).throttlePerHour;
  const since = ctx.now() - THROTTLE_WINDOW_MS;
  const buckets: ThrottleBucket[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', throttleKeyPattern, 'COUNT', 200);
    cursor = next;
    for (const key of keys) {
      const failures = await ctx.redis.zcount(key, `(${since}`, '+inf');
      if (failures > 0) buckets.push({ caller: bucketOfThrottleKey(key), failures, throttled: failures >= limit });
    }
  } while (cursor !== '0');
  return buckets.sort((a, b) => b.failures - a.failures || a.caller.localeCompare(b.caller));
}

/** Forget a calling number's failures (`anonymous` for the shared bucket). */
export async function clearThrottle(ctx: StoreContext, caller: string, actor: Actor): Promise<boolean> {
  const bucket = caller === 'anonymous' ? 'anonymous' : throttleBucket(caller);
  const removed = await ctx.redis.del(throttleKey(bucket));
  await ctx.record({ type: 'throttle-cleared', actor, outcome: removed > 0 ? 'cleared' : 'was-empty', detail: `caller ${bucket}` });
  return removed > 0;
}
