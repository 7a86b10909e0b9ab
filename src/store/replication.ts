/**
 * Replication acknowledgement (REDIS_WAIT_REPLICAS): a write the store is about to act on —
 * a failure counted before a PIN is compared, a lock, a PIN-state change — is not trusted
 * until it is on the replicas, so a failover (Sentinel or Cluster) cannot undo it.
 *
 * Redis replicates asynchronously: a master that dies right after answering a write may take
 * it with it, and the promoted replica never saw it. For a lockout counter that is a lost
 * failure (one more guess for an attacker) or a lost lock. So for the scripts listed in
 * `DURABLE_SCRIPTS` (scripts.ts) the store:
 *
 * 1. asks the master that owns the key how many replicas it has connected now (`ROLE`, sent
 *    with an EXISTS of the key so that a Cluster routes it to that key's master);
 * 2. sends the script (EVAL) and `WAIT <n> <timeout>` in ONE pipeline, so both go on the
 *    same connection to the same master, back to back, with n = min(REDIS_WAIT_REPLICAS,
 *    replicas connected). WAIT counts the replicas that hold every write this connection made;
 * 3. fails with StoreUnavailable when fewer than n acknowledged within REDIS_WAIT_TIMEOUT_MS.
 *    The write stays on the master (the attempt stays counted: the safe side) but the store
 *    does not act on it: no PIN is compared, the caller hears "temporarily unavailable".
 *
 * A master with no replica connected (after a promotion, before the old master comes back
 * as a replica) waits for none: logins go on, and nothing can be lost to a failover since
 * there is no replica to promote; a replica that attaches later copies the whole dataset.
 * What this does not cover is said in README.md ("Redis persistence and backups",
 * "Replication and failover").
 */
import { StoreUnavailable } from './errors';
import type { RedisClient } from './connection';
import type { LuaReply } from './scripts';

export interface ReplicationPolicy {
  /** Replicas to wait for (at most as many as the master has connected); 0 = off. */
  replicas: number;
  timeoutMs: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 500;

export const NO_REPLICATION_WAIT: ReplicationPolicy = Object.freeze({ replicas: 0, timeoutMs: DEFAULT_WAIT_TIMEOUT_MS });

/** ROLE on a master: ['master', offset, [[ip, port, offset], …]]. */
function connectedReplicas(role: unknown): number {
  if (!Array.isArray(role) || role[0] !== 'master') {
    // A replica answered (a failover in progress, or the slot map is stale): do not write.
    throw new StoreUnavailable('Redis: the node that owns this key is not a master (failover in progress?)');
  }
  return Array.isArray(role[2]) ? role[2].length : 0;
}

function resultOf(entry: [Error | null, unknown] | undefined): unknown {
  if (!entry) throw new StoreUnavailable('Redis: pipeline cut short');
  const [err, value] = entry;
  if (err) throw err;
  return value;
}

/**
 * Run `lua` on `keys`/`args` and return its reply only once it is on the replicas the
 * policy asks for. Throws StoreUnavailable (or the raw connection error, mapped by the
 * caller's guard) otherwise.
 */
export async function evalReplicated(
  redis: RedisClient,
  policy: ReplicationPolicy,
  lua: string,
  keys: string[],
  args: (string | number)[],
): Promise<LuaReply> {
  const probe = (await redis.pipeline().exists(keys[0] as string).role().exec()) ?? [];
  const wanted = Math.min(policy.replicas, connectedReplicas(resultOf(probe[1])));
  const batch = redis.pipeline().eval(lua, keys.length, ...keys, ...args);
  if (wanted > 0) batch.wait(wanted, policy.timeoutMs);
  const replies = (await batch.exec()) ?? [];
  const reply = resultOf(replies[0]) as LuaReply;
  if (wanted > 0) {
    const acknowledged = Number(resultOf(replies[1]));
    if (acknowledged < wanted) {
      throw new StoreUnavailable(`Redis: the write reached ${acknowledged} of ${wanted} replica(s) within ${policy.timeoutMs} ms`);
    }
  }
  return reply;
}
