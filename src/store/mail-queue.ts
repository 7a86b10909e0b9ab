/**
 * The outgoing-mail queue (issue #16): e-mails the application owes its users, kept in Redis
 * so a mail-server outage (or a restart) delays them and loses none. The store keeps the
 * jobs; the sending (templates, SMTP, back-off) is src/mail/'s, which only calls these
 * operations.
 *
 * A job is small: what to say and to whom (`new-message` + user + message id, or `locked` +
 * user); the worker reads the user, the message and the audio when it sends, so an address
 * changed meanwhile is used and a message deleted meanwhile is not mailed.
 *
 * Life of a job (each step one script, `lua/mail_*.lua`):
 *
 * | step | what a crash after it leaves |
 * | --- | --- |
 * | `enqueue` (hash + queue entry) | a job due now |
 * | `claim` (lease: due again at now + lease; attempts + 1; a token) | the job, taken again when the lease ends |
 * | the worker sends | the job, sent again when the lease ends (the only duplicate possible) |
 * | `settle` done / retry (token must match) | nothing / the job, due at its retry time |
 *
 * Enqueueing happens after the event it is about (the message committed, the mailbox locked):
 * a crash between the two loses that one e-mail, never a message or a lock.
 */
import { randomBytes } from 'node:crypto';
import type { StoreContext } from './context';
import { mailJobKey, mailQueueKey } from './keys';
import { replyArray, replyNumber, replyString } from './scripts';
import type { ClaimedMailJob, MailJobKind } from './types';

export function newMailJobId(kind: MailJobKind, userId: string, messageId: string | undefined, now: number): string {
  // A message's e-mail has one id: asking twice queues it once.
  return kind === 'new-message' && messageId ? `m.${userId}.${messageId}` : `l.${userId}.${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function enqueueMail(ctx: StoreContext, kind: MailJobKind, userId: string, messageId?: string): Promise<boolean> {
  const now = ctx.now();
  const id = newMailJobId(kind, userId, messageId, now);
  const fields = ['kind', kind, 'userId', userId, 'createdAt', String(now), ...(messageId ? ['messageId', messageId] : [])];
  const reply = await ctx.scripts.run('mail_enqueue', [mailQueueKey, mailJobKey(id)], [id, now, ...fields]);
  return replyNumber(reply) === 1;
}

/** How many due jobs a claim round looks at (others may be claimed by another instance). */
const CLAIM_CANDIDATES = 10;

/** The next due job, now leased to the caller; null when nothing is due. */
export async function claimMail(ctx: StoreContext, now: number, leaseMs: number): Promise<ClaimedMailJob | null> {
  const candidates = await ctx.redis.zrangebyscore(mailQueueKey, '-inf', String(now), 'LIMIT', 0, CLAIM_CANDIDATES);
  for (const id of candidates) {
    const token = randomBytes(8).toString('hex');
    const reply = replyArray(await ctx.scripts.run('mail_claim', [mailQueueKey, mailJobKey(id)], [id, now, leaseMs, token]));
    if (reply.length === 0) continue;
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < reply.length; i += 2) fields.set(replyString(reply[i]), replyString(reply[i + 1]));
    const kind = fields.get('kind');
    const userId = fields.get('userId');
    if ((kind !== 'new-message' && kind !== 'locked') || !userId) {
      // Not a job these scripts wrote: drop it rather than retry it forever.
      await settleMail(ctx, id, token, { outcome: 'done' });
      continue;
    }
    const messageId = fields.get('messageId');
    const lastError = fields.get('lastError');
    return {
      id,
      token,
      kind,
      userId,
      ...(messageId ? { messageId } : {}),
      createdAt: Number(fields.get('createdAt') ?? now),
      attempts: Number(fields.get('attempts') ?? 1),
      ...(lastError ? { lastError } : {}),
    };
  }
  return null;
}

export type MailSettlement = { outcome: 'done' } | { outcome: 'retry'; dueAt: number; error: string };

/** False when the claim was no longer the caller's (its lease ran out and it was claimed again). */
export async function settleMail(ctx: StoreContext, jobId: string, token: string, settlement: MailSettlement): Promise<boolean> {
  const args =
    settlement.outcome === 'retry'
      ? [jobId, token, 'retry', settlement.dueAt, settlement.error.slice(0, 300)]
      : [jobId, token, 'done', 0, ''];
  return replyNumber(await ctx.scripts.run('mail_settle', [mailQueueKey, mailJobKey(jobId)], args)) === 1;
}

/** When the earliest job is due (ms), or null when the queue is empty. */
export async function nextMailDue(ctx: StoreContext): Promise<number | null> {
  const first = await ctx.redis.zrange(mailQueueKey, '0', '0', 'WITHSCORES');
  return first.length >= 2 ? Number(first[1]) : null;
}

export async function mailQueueLength(ctx: StoreContext): Promise<number> {
  return ctx.redis.zcard(mailQueueKey);
}
