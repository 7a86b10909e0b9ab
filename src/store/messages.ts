/**
 * Voice messages (left by a caller whose call to a user is not answered; issue step 6): the
 * list of a user's messages and their flags live in Redis; the audio is an Asterisk stored
 * recording named `voice-portal/vm/<userId>/<messageId>` (`messageRecordingName`).
 *
 * A separate class from `Store` on its own connection (same fail-fast options, same
 * StoreUnavailable mapping): the messages of one user share the user's hash tag `{u:<id>}`,
 * and every change of a message's flag or list is one Lua script (`lua/msg_*.lua`), so the
 * counts the lamps show can never disagree with the lists.
 *
 * Life of a message, and what a crash leaves at each step (ARI and Redis are two systems):
 *
 * | step | crash after it leaves |
 * | --- | --- |
 * | `reserve` (room in the mailbox, a pending entry) | a reservation, dropped once stale |
 * | Asterisk records `…/vm/<user>/<id>` | an orphan recording (doctor removes it) |
 * | `commit` (metadata + new list + end of reservation, one script) | a complete message |
 * | `remove` (metadata and lists, one script), then the recording is deleted | an orphan recording |
 *
 * so a listed message without audio only happens when a recording is lost behind the
 * application's back (the portal then apologises and skips it; doctor reports and removes it).
 */
import { randomBytes } from 'node:crypto';
import type { RedisConfig } from '../config';
import { connect, mapRedisError, scanKeys, whenReady, type RedisClient } from './connection';
import { READY_WAIT_MS } from './context';
import { InvalidInput, StoreUnavailable } from './errors';
import { isValidId, parseUserMessagesKey, userMessageKey, userMessagesKey, userMessagesKeyPattern } from './keys';
import { replyArray, replyNumber, replyString, ScriptSet, type LuaReply } from './scripts';
import type { MessageCounts } from './types';

export type MessageStatus = 'new' | 'saved';

export interface VoiceMessage {
  id: string;
  userId: string;
  status: MessageStatus;
  /** Caller ID number ('' when anonymous). */
  callerNumber: string;
  callerName: string;
  /** When the caller started recording (ms since epoch). */
  receivedAt: number;
  /** Whole seconds, as Asterisk reported. */
  durationSec: number;
}

export type Reservation = { result: 'ok'; messageId: string } | { result: 'full'; counts: MessageCounts };

export interface NewMessageDetails {
  receivedAt: number;
  callerNumber: string;
  callerName: string;
  durationSec: number;
}

const MESSAGE_RECORDING_PREFIX = 'voice-portal/vm/';

/** The stored recording holding a message's audio. */
export function messageRecordingName(userId: string, messageId: string): string {
  return `${MESSAGE_RECORDING_PREFIX}${userId}/${messageId}`;
}

/** Prefix of every message recording (for `StoredRecordings.list`). */
export const messageRecordingPrefix = MESSAGE_RECORDING_PREFIX;

/**
 * Caller ID text as the network sent it, kept as evidence (escape sequences included: the CLI
 * shows them escaped), but bounded: a caller chooses it.
 */
const MAX_CALLER_TEXT = 200;

function bounded(text: string): string {
  const chars = Array.from(text);
  return chars.length > MAX_CALLER_TEXT ? chars.slice(0, MAX_CALLER_TEXT).join('') : text;
}

/** `voice-portal/vm/<userId>/<messageId>` → its parts; null for any other name. */
export function parseMessageRecordingName(name: string): { userId: string; messageId: string } | null {
  if (!name.startsWith(MESSAGE_RECORDING_PREFIX)) return null;
  const parts = name.slice(MESSAGE_RECORDING_PREFIX.length).split('/');
  if (parts.length !== 2) return null;
  const [userId, messageId] = parts as [string, string];
  return isValidId(userId) && isValidMessageId(messageId) ? { userId, messageId } : null;
}

/** Message ids are made here: base-36 time then random hex, so they sort by creation. */
export function newMessageId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function isValidMessageId(id: string): boolean {
  return /^[a-z0-9]{1,16}-[a-f0-9]{8}$/.test(id);
}

const SCRIPTS = {
  msg_reserve: 3,
  msg_commit: 4,
  msg_set_status: 3,
  msg_remove: 3,
  msg_import: 3,
} as const;

function countsOf(newCount: LuaReply | undefined, savedCount: LuaReply | undefined): MessageCounts {
  return { newMessages: replyNumber(newCount), oldMessages: replyNumber(savedCount) };
}

function requireIds(userId: string, messageId?: string): void {
  if (!isValidId(userId)) throw new InvalidInput(`invalid user id "${userId}"`);
  if (messageId !== undefined && !isValidMessageId(messageId)) throw new InvalidInput(`invalid message id "${messageId}"`);
}

export interface MessageStoreOptions {
  redis: RedisConfig;
  /** Name shown by CLIENT LIST. */
  connectionName?: string;
}

export class MessageStore {
  private readonly scripts: ScriptSet<keyof typeof SCRIPTS>;

  constructor(private readonly redis: RedisClient) {
    this.scripts = new ScriptSet(redis, SCRIPTS);
  }

  /** Same contract as Store operations: StoreUnavailable within ~1 s when Redis is down. */
  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      await whenReady(this.redis, READY_WAIT_MS);
      return await operation();
    } catch (err) {
      throw mapRedisError(err);
    }
  }

  counts(userId: string): Promise<MessageCounts> {
    requireIds(userId);
    return this.guard(async () => {
      // One write for both (same hash tag, so one Cluster slot): every login asks.
      const replies = (await this.redis.pipeline().zcard(userMessagesKey(userId, 'new')).zcard(userMessagesKey(userId, 'saved')).exec()) ?? [];
      const [n, s] = replies.map(([err, count]) => {
        if (err) throw err;
        return Number(count);
      });
      if (n === undefined || s === undefined) throw new StoreUnavailable('Redis: pipeline cut short');
      return { newMessages: n, oldMessages: s };
    });
  }

  /** New messages then saved ones, each oldest first: the order key 1 of the main menu plays them in. */
  list(userId: string): Promise<VoiceMessage[]> {
    requireIds(userId);
    return this.guard(async () => {
      const [newIds, savedIds] = await Promise.all([
        this.redis.zrange(userMessagesKey(userId, 'new'), '0', '-1'),
        this.redis.zrange(userMessagesKey(userId, 'saved'), '0', '-1'),
      ]);
      const ids = [...newIds, ...savedIds];
      if (ids.length === 0) return [];
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(userMessageKey(userId, id));
      const replies = (await pipeline.exec()) ?? [];
      const messages: VoiceMessage[] = [];
      ids.forEach((id, i) => {
        const [err, fields] = replies[i] ?? [null, null];
        if (err) throw err;
        const message = toMessage(userId, id, fields as Record<string, string> | null);
        // A list entry whose hash is gone cannot come from the scripts; skip it rather than fail.
        if (message) messages.push(message);
      });
      return messages;
    });
  }

  /** One message, or null when there is no such message (deleted, or never committed). */
  get(userId: string, messageId: string): Promise<VoiceMessage | null> {
    requireIds(userId, messageId);
    return this.guard(async () => toMessage(userId, messageId, await this.redis.hgetall(userMessageKey(userId, messageId))));
  }

  /**
   * Room for one more message (new + saved + deposits being recorded < `maxMessages`), held
   * until `commit` or `release`. Reservations older than `staleAfterMs` are dropped.
   */
  reserve(userId: string, opts: { maxMessages: number; staleAfterMs: number; now?: number }): Promise<Reservation> {
    requireIds(userId);
    const now = opts.now ?? Date.now();
    const messageId = newMessageId(now);
    return this.guard(async () => {
      const reply = replyArray(
        await this.scripts.run(
          'msg_reserve',
          [userMessagesKey(userId, 'new'), userMessagesKey(userId, 'saved'), userMessagesKey(userId, 'pending')],
          [messageId, now, opts.maxMessages, now - opts.staleAfterMs],
        ),
      );
      if (replyString(reply[0]) === 'full') return { result: 'full', counts: countsOf(reply[1], reply[2]) };
      return { result: 'ok', messageId };
    });
  }

  /** The recorded message becomes a new message; returns the counts after. */
  commit(userId: string, messageId: string, details: NewMessageDetails): Promise<MessageCounts> {
    requireIds(userId, messageId);
    return this.guard(async () => {
      const reply = replyArray(
        await this.scripts.run(
          'msg_commit',
          [userMessagesKey(userId, 'new'), userMessagesKey(userId, 'saved'), userMessagesKey(userId, 'pending'), userMessageKey(userId, messageId)],
          [messageId, details.receivedAt, bounded(details.callerNumber), bounded(details.callerName), Math.max(0, Math.floor(details.durationSec))],
        ),
      );
      return countsOf(reply[0], reply[1]);
    });
  }

  /**
   * A message from another system (the app_voicemail import), with an id the importer
   * derives from the source so that a second run finds it: false when it already exists.
   * Not bound by the mailbox size (the old system's messages all come over).
   */
  importMessage(userId: string, messageId: string, status: MessageStatus, details: NewMessageDetails): Promise<boolean> {
    requireIds(userId, messageId);
    return this.guard(async () => {
      const reply = await this.scripts.run(
        'msg_import',
        [userMessagesKey(userId, 'new'), userMessagesKey(userId, 'saved'), userMessageKey(userId, messageId)],
        [messageId, status, details.receivedAt, details.callerNumber, details.callerName, Math.max(0, Math.floor(details.durationSec))],
      );
      return replyNumber(reply) === 1;
    });
  }

  /** Give a reservation back (nothing was kept: too short, or recording failed). */
  release(userId: string, messageId: string): Promise<void> {
    requireIds(userId, messageId);
    return this.guard(async () => {
      await this.redis.zrem(userMessagesKey(userId, 'pending'), messageId);
    });
  }

  /** Reservations in progress (message ids), for doctor: their recordings are not orphans. */
  pending(userId: string): Promise<string[]> {
    requireIds(userId);
    return this.guard(() => this.redis.zrange(userMessagesKey(userId, 'pending'), '0', '-1'));
  }

  /** `changed` is false when the message already had that status or no longer exists. */
  setStatus(userId: string, messageId: string, status: MessageStatus): Promise<{ changed: boolean; counts: MessageCounts }> {
    requireIds(userId, messageId);
    return this.guard(async () => {
      const reply = replyArray(
        await this.scripts.run(
          'msg_set_status',
          [userMessagesKey(userId, 'new'), userMessagesKey(userId, 'saved'), userMessageKey(userId, messageId)],
          [messageId, status],
        ),
      );
      return { changed: replyNumber(reply[0]) === 1, counts: countsOf(reply[1], reply[2]) };
    });
  }

  /**
   * Delete a message's metadata (the caller deletes the recording afterwards: see the
   * crash table above). `removed` is false when there was no such message.
   */
  remove(userId: string, messageId: string): Promise<{ removed: boolean; counts: MessageCounts }> {
    requireIds(userId, messageId);
    return this.guard(async () => {
      const reply = replyArray(
        await this.scripts.run(
          'msg_remove',
          [userMessagesKey(userId, 'new'), userMessagesKey(userId, 'saved'), userMessageKey(userId, messageId)],
          [messageId],
        ),
      );
      return { removed: replyNumber(reply[0]) === 1, counts: countsOf(reply[1], reply[2]) };
    });
  }

  /**
   * Ids of every user with message lists in Redis, whether or not the user still exists
   * (SCAN: for doctor and maintenance, not for calls).
   */
  usersWithMessages(): Promise<string[]> {
    return this.guard(async () => {
      const users = new Set<string>();
      // Every master of a Cluster (a user's lists live on the master of the user's slot).
      for await (const keys of scanKeys(this.redis, userMessagesKeyPattern, 500)) {
        for (const key of keys) {
          const parsed = parseUserMessagesKey(key);
          if (parsed) users.add(parsed.userId);
        }
      }
      return [...users].sort();
    });
  }

  /**
   * Drop every reservation started before `beforeMs` (SCAN, then one ZREMRANGEBYSCORE per
   * user: each is atomic on its own key). At start-up the application passes its own start
   * time: a reservation older than the process was made by one that died (SIGKILL, crash)
   * while recording; its call, if still up, is adopted and starts over with a new one.
   * A message committed afterwards is still kept (commit does not need its reservation).
   * Returns how many were dropped.
   */
  dropReservationsBefore(beforeMs: number): Promise<number> {
    return this.guard(async () => {
      let dropped = 0;
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', userMessagesKeyPattern, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          if (parseUserMessagesKey(key)?.status !== 'pending') continue;
          dropped += await this.redis.zremrangebyscore(key, '-inf', `(${beforeMs}`);
        }
      } while (cursor !== '0');
      return dropped;
    });
  }

  /** True when Redis answers PING now. Never throws. */
  async ping(): Promise<boolean> {
    try {
      await this.guard(() => this.redis.ping());
      return true;
    } catch {
      return false;
    }
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

function toMessage(userId: string, id: string, fields: Record<string, string> | null): VoiceMessage | null {
  if (!fields || fields.receivedAt === undefined) return null;
  return {
    id,
    userId,
    status: fields.status === 'saved' ? 'saved' : 'new',
    callerNumber: fields.callerNumber ?? '',
    callerName: fields.callerName ?? '',
    receivedAt: Number(fields.receivedAt),
    durationSec: Number(fields.durationSec ?? 0),
  };
}

/** Connects (and keeps reconnecting by itself) with the store's fail-fast options. */
export function openMessageStore(options: MessageStoreOptions): MessageStore {
  return new MessageStore(connect(options.redis, options.connectionName ?? 'voice-portal-messages'));
}
