/**
 * The active/standby lease of each Asterisk server's ARI application (issue #14): which
 * application instance may hold the app's events socket on that server. The policy (when to
 * renew, when to give up, what the engine does) is src/ha/lease-keeper.ts; this module only
 * keeps the state in Redis, atomically:
 *
 * - `acquire`: set-if-absent with expiry, under a fresh fencing token (a counter that only
 *   grows), so every holder has a larger token than all before it (lua/lease_acquire.lua);
 * - `renew`: extend, only for the current token (lua/lease_renew.lua);
 * - `release`: delete, only for the current token (lua/lease_release.lua);
 * - `read`: who holds it now (for /readyz and the operator).
 *
 * Own connection (like the message store), with the store's fail-fast options: a renewal
 * that cannot reach Redis fails within about a second instead of waiting in a queue.
 */
import { connect, mapRedisError, whenReady, type RedisClient } from './connection';
import type { RedisConfig } from '../config';
import { READY_WAIT_MS } from './context';
import { leaseKeys } from './keys';
import { replyArray, replyNumber, replyString, ScriptSet } from './scripts';

const SCRIPTS = { lease_acquire: 2, lease_renew: 1, lease_release: 1 } as const;

export type AcquireResult = { acquired: true; token: number } | { acquired: false; holder: string; ttlMs: number };

export interface LeaseInfo {
  holder: string;
  token: number;
  /** When it was taken (ms since the epoch). */
  since: number;
  /** Ms before it lapses unless renewed. */
  ttlMs: number;
}

/** The operations src/ha needs (an interface, so the keeper can be tested against a fake). */
export interface LeaseOperations {
  acquire(server: string, holder: string, ttlMs: number): Promise<AcquireResult>;
  renew(server: string, token: number, ttlMs: number): Promise<boolean>;
  release(server: string, token: number): Promise<boolean>;
  read(server: string): Promise<LeaseInfo | null>;
}

export class LeaseStore implements LeaseOperations {
  private readonly scripts: ScriptSet<keyof typeof SCRIPTS>;

  constructor(
    private readonly redis: RedisClient,
    private readonly app: string,
  ) {
    this.scripts = new ScriptSet(redis, SCRIPTS);
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      await whenReady(this.redis, READY_WAIT_MS);
      return await operation();
    } catch (err) {
      throw mapRedisError(err);
    }
  }

  acquire(server: string, holder: string, ttlMs: number): Promise<AcquireResult> {
    const keys = leaseKeys(this.app, server);
    return this.guard(async () => {
      const reply = replyArray(await this.scripts.run('lease_acquire', [keys.holder, keys.fence], [holder, Math.ceil(ttlMs), Date.now()]));
      if (replyNumber(reply[0]) === 1) return { acquired: true, token: replyNumber(reply[1]) };
      return { acquired: false, holder: replyString(reply[1]), ttlMs: replyNumber(reply[2]) };
    });
  }

  renew(server: string, token: number, ttlMs: number): Promise<boolean> {
    const keys = leaseKeys(this.app, server);
    return this.guard(async () => replyNumber(await this.scripts.run('lease_renew', [keys.holder], [String(token), Math.ceil(ttlMs)])) === 1);
  }

  release(server: string, token: number): Promise<boolean> {
    const keys = leaseKeys(this.app, server);
    return this.guard(async () => replyNumber(await this.scripts.run('lease_release', [keys.holder], [String(token)])) === 1);
  }

  read(server: string): Promise<LeaseInfo | null> {
    const keys = leaseKeys(this.app, server);
    return this.guard(async () => {
      const [fields, ttl] = await Promise.all([this.redis.hgetall(keys.holder), this.redis.pttl(keys.holder)]);
      if (!fields.token) return null;
      return { holder: fields.holder ?? '', token: Number(fields.token), since: Number(fields.since ?? 0), ttlMs: Math.max(0, ttl) };
    });
  }

  /** Close the connection. Never throws. */
  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

export function openLeaseStore(options: { redis: RedisConfig; app: string; connectionName?: string }): LeaseStore {
  return new LeaseStore(connect(options.redis, options.connectionName ?? 'voice-portal-lease'), options.app);
}
