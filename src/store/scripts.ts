/**
 * The Lua scripts (`src/store/lua/*.lua`, each with a header documenting KEYS, ARGV and the
 * reply), read once at start-up and registered on a connection with ioredis `defineCommand`
 * (EVALSHA, falling back to EVAL after a script-cache flush or a failover).
 *
 * Where the files are found: next to this module (`<dir>/lua`, true under ts-jest and in
 * `dist/` when the build copies them with `npm run copy-lua`), otherwise in
 * `src/store/lua` under the package root (a `dist/` build run from a checkout).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedFolder } from '../package-files';
import type { RedisClient } from './connection';
import { evalReplicated, NO_REPLICATION_WAIT, type ReplicationPolicy } from './replication';

export const SCRIPT_NAMES = [
  'reserve_attempt',
  'settle_success',
  'settle_failure',
  'set_pin_state',
  'unlock',
  'set_admin_passcode',
  'create_record',
  'update_if_exists',
  'remove_user',
  'claim_dial',
  'release_dial',
  'attach_user',
  'remove_location',
  'throttle_reserve',
  'compare_and_set',
  'update_record',
  'note_lock',
  'token_create',
  'token_revoke',
  'mail_enqueue',
  'mail_claim',
  'mail_settle',
] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];

/**
 * Scripts whose write the store acts on at once and that a failover must not undo: a failure
 * counted before the PIN is compared (user and throttle bucket), a lock, a PIN-state change,
 * an unlock. With REDIS_WAIT_REPLICAS they are acknowledged by the replicas first
 * (replication.ts). A lost `settle_success` only leaves failures counted (the safe side).
 */
export const DURABLE_SCRIPTS: ReadonlySet<ScriptName> = new Set<ScriptName>([
  'reserve_attempt',
  'settle_failure',
  'throttle_reserve',
  'set_pin_state',
  'unlock',
  'set_admin_passcode',
]);

/** How many of the arguments are keys, per script (the rest are ARGV). */
const NUMBER_OF_KEYS: Record<ScriptName, number> = {
  reserve_attempt: 1,
  settle_success: 3,
  settle_failure: 1,
  set_pin_state: 2,
  unlock: 1,
  set_admin_passcode: 1,
  create_record: 1,
  update_if_exists: 1,
  remove_user: 2,
  claim_dial: 1,
  release_dial: 1,
  attach_user: 2,
  remove_location: 2,
  throttle_reserve: 1,
  compare_and_set: 1,
  update_record: 1,
  note_lock: 1,
  token_create: 1,
  token_revoke: 1,
  mail_enqueue: 2,
  mail_claim: 2,
  mail_settle: 2,
};

export function luaDirectory(): string {
  return shippedFolder({ beside: join(__dirname, 'lua'), inSource: ['src', 'store', 'lua'], probe: `${SCRIPT_NAMES[0]}.lua`, what: 'store: Lua scripts', copyScript: 'copy-lua' });
}

const sourceCache = new Map<string, string>();

/** The text of `lua/<name>.lua`, read once per process. */
export function scriptSource(name: string): string {
  let text = sourceCache.get(name);
  if (text === undefined) {
    text = readFileSync(join(luaDirectory(), `${name}.lua`), 'utf8');
    sourceCache.set(name, text);
  }
  return text;
}

/** A script reply as ioredis delivers it (RESP2 shapes). */
export type LuaReply = string | number | null | LuaReply[];

type ScriptArg = string | number;
type ScriptFunction = (...args: ScriptArg[]) => Promise<LuaReply>;

/**
 * One family of scripts (each name with how many of its arguments are keys), registered on
 * one connection: the store's own (`Scripts`), the message store's, the leases'.
 */
export class ScriptSet<N extends string> {
  constructor(
    protected readonly redis: RedisClient,
    private readonly numberOfKeys: Readonly<Record<N, number>>,
  ) {
    for (const name of Object.keys(numberOfKeys) as N[]) {
      redis.defineCommand(name, { lua: scriptSource(name), numberOfKeys: numberOfKeys[name] });
    }
  }

  /** Run a script: `keys` must have exactly the number the script's header documents. */
  run(name: N, keys: string[], args: ScriptArg[]): Promise<LuaReply> {
    this.checkKeys(name, keys);
    // defineCommand adds a method named after the script; ioredis' types cannot know it.
    const fn = (this.redis as unknown as Record<N, ScriptFunction>)[name];
    return fn.call(this.redis, ...keys, ...args);
  }

  protected checkKeys(name: N, keys: string[]): void {
    const expected = this.numberOfKeys[name];
    if (keys.length !== expected) throw new Error(`script ${name}: ${keys.length} keys given, ${expected} expected`);
  }
}

/** The store's scripts; the durable ones wait for replicas when REDIS_WAIT_REPLICAS asks. */
export class Scripts extends ScriptSet<ScriptName> {
  constructor(
    redis: RedisClient,
    private readonly replication: ReplicationPolicy = NO_REPLICATION_WAIT,
  ) {
    super(redis, NUMBER_OF_KEYS);
  }

  override run(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<LuaReply> {
    if (this.replication.replicas > 0 && DURABLE_SCRIPTS.has(name)) {
      this.checkKeys(name, keys);
      return evalReplicated(this.redis, this.replication, scriptSource(name), keys, args);
    }
    return super.run(name, keys, args);
  }
}

/** Helpers to read script replies without `any`. */
export function replyArray(reply: LuaReply): LuaReply[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected script reply ${JSON.stringify(reply)}`);
  return reply;
}

export function replyString(reply: LuaReply | undefined): string {
  if (typeof reply === 'string') return reply;
  if (typeof reply === 'number') return String(reply);
  throw new Error(`unexpected script reply element ${JSON.stringify(reply)}`);
}

export function replyNumber(reply: LuaReply | undefined): number {
  const n = typeof reply === 'number' ? reply : Number(reply);
  if (!Number.isFinite(n)) throw new Error(`unexpected script reply element ${JSON.stringify(reply)}`);
  return n;
}
