/**
 * The Lua scripts (`src/store/lua/*.lua`, each with a header documenting KEYS, ARGV and the
 * reply), read once at start-up and registered on a connection with ioredis `defineCommand`
 * (EVALSHA, falling back to EVAL after a script-cache flush or a failover).
 *
 * Where the files are found: next to this module (`<dir>/lua`, true under ts-jest and in
 * `dist/` when the build copies them with `npm run copy-lua`), otherwise in
 * `src/store/lua` under the package root (a `dist/` build run from a checkout).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

function findPackageRoot(start: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function luaDirectory(): string {
  const beside = join(__dirname, 'lua');
  if (existsSync(join(beside, `${SCRIPT_NAMES[0]}.lua`))) return beside;
  const root = findPackageRoot(__dirname);
  const inSource = root ? join(root, 'src', 'store', 'lua') : undefined;
  if (inSource && existsSync(join(inSource, `${SCRIPT_NAMES[0]}.lua`))) return inSource;
  throw new Error(`store: Lua scripts not found in ${beside}${inSource ? ` nor ${inSource}` : ''} (run npm run copy-lua after the build)`);
}

let sources: Record<ScriptName, string> | undefined;

function loadSources(): Record<ScriptName, string> {
  if (!sources) {
    const dir = luaDirectory();
    const loaded = {} as Record<ScriptName, string>;
    for (const name of SCRIPT_NAMES) loaded[name] = readFileSync(join(dir, `${name}.lua`), 'utf8');
    sources = loaded;
  }
  return sources;
}

/** A script reply as ioredis delivers it (RESP2 shapes). */
export type LuaReply = string | number | null | LuaReply[];

type ScriptArg = string | number;
type ScriptFunction = (...args: ScriptArg[]) => Promise<LuaReply>;

/** Typed access to the scripts registered on one connection. */
export class Scripts {
  constructor(
    private readonly redis: RedisClient,
    private readonly replication: ReplicationPolicy = NO_REPLICATION_WAIT,
  ) {
    const lua = loadSources();
    for (const name of SCRIPT_NAMES) {
      redis.defineCommand(name, { lua: lua[name], numberOfKeys: NUMBER_OF_KEYS[name] });
    }
  }

  /** Run a script: `keys` must have exactly the number the script's header documents. */
  run(name: ScriptName, keys: string[], args: ScriptArg[]): Promise<LuaReply> {
    if (keys.length !== NUMBER_OF_KEYS[name]) throw new Error(`script ${name}: ${keys.length} keys given, ${NUMBER_OF_KEYS[name]} expected`);
    if (this.replication.replicas > 0 && DURABLE_SCRIPTS.has(name)) {
      return evalReplicated(this.redis, this.replication, loadSources()[name], keys, args);
    }
    // defineCommand adds a method named after the script; ioredis' types cannot know it.
    const fn = (this.redis as unknown as Record<ScriptName, ScriptFunction>)[name];
    return fn.call(this.redis, ...keys, ...args);
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
