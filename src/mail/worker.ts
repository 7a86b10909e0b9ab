/**
 * The mail worker (issue #16): takes due jobs from the store's mail queue, renders them in
 * the user's language, sends them, and settles them.
 *
 * - Never in a call's way: the portal only queues a job (one Redis script); sending, retries
 *   and the audio download happen here, in the background.
 * - A failure (server down, refused login, audio not reachable) is retried after
 *   `retryDelaysMs[attempt - 1]` (default 30 s, 1 min, 2, 5, 10, 20, 30 min, then hourly for
 *   about a day); after the last one, or at once for a refusal of this e-mail (5xx to the
 *   envelope or the data), the job is dropped with a `mail-failed` audit entry.
 * - `attach-delete`: once the server accepted the e-mail, the message is deleted (metadata
 *   first, then the recording, then the lamp shows the new counts), and only then is the job
 *   settled: a crash in between finds the message gone and sends nothing again.
 * - Every instance may run a worker: a job is leased to one at a time (the store's claim).
 */
import type { Logger } from '../log';
import type { ClaimedMailJob, Location, MessageStore, Store, User, VoiceMessage } from '../store';
import { messageRecordingName } from '../store';
import { systemClock, type MailClock } from './clock';
import { renderLockMail, renderMessageMail } from './templates';
import { MailSendError, type MailTransport, type OutgoingMail } from './transport';

/** The store operations the worker uses. */
export type MailQueueStore = Pick<
  Store,
  'claimMail' | 'completeMail' | 'retryMail' | 'abandonMail' | 'nextMailDue' | 'getUser' | 'getLocation'
>;

export interface MailWorkerDeps {
  store: MailQueueStore;
  messages: Pick<MessageStore, 'get' | 'remove'>;
  /** The audio of a stored recording (ARI `…/file`). */
  audio: (recordingName: string) => Promise<Buffer>;
  /** Delete a stored recording (attach-delete); already gone is fine. */
  removeRecording: (recordingName: string) => Promise<void>;
  /** Put the user's lamp right after attach-delete removed a message. Never throws. */
  refreshLamp: (user: User) => Promise<void>;
  transport: MailTransport;
  logger: Logger;
  clock?: MailClock;
  retryDelaysMs?: readonly number[];
  /** A claimed job is due again after this if the worker dies while sending. */
  leaseMs?: number;
  /** Longest wait between two looks at the queue (jobs queued by other instances). */
  idlePollMs?: number;
}

const MINUTE = 60_000;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  30_000,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  20 * MINUTE,
  30 * MINUTE,
  ...Array.from({ length: 22 }, () => 60 * MINUTE),
];

/** An error that ends the job at once instead of retrying it. */
class GiveUp extends Error {}

type Outcome = 'sent' | 'nothing-to-send';

export class MailWorker {
  private readonly clock: MailClock;
  private readonly retryDelays: readonly number[];
  private readonly leaseMs: number;
  private readonly idlePollMs: number;
  private readonly stopping = new AbortController();
  private wakeUp: AbortController = new AbortController();
  private loop: Promise<void> | undefined;
  /** True while the worker is waiting for the next round (for tests driving the clock). */
  private waiting = false;

  constructor(private readonly deps: MailWorkerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.retryDelays = deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.leaseMs = deps.leaseMs ?? 5 * MINUTE;
    this.idlePollMs = deps.idlePollMs ?? 5000;
  }

  /** Run until stop(). */
  start(): void {
    this.loop ??= this.run();
  }

  /** A job was just queued by this process: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp.abort();
  }

  get isWaiting(): boolean {
    return this.waiting;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.deps.transport.close();
  }

  private async run(): Promise<void> {
    const log = this.deps.logger;
    while (!this.stopping.signal.aborted) {
      let wait = this.idlePollMs;
      try {
        await this.runDue();
        const next = await this.deps.store.nextMailDue();
        if (next !== null) wait = Math.min(wait, Math.max(0, next - this.clock.now()));
      } catch (err) {
        // Redis down: the jobs are safe there; look again later.
        log.warn('mail queue not reachable; will try again', { error: err instanceof Error ? err.message : String(err) });
      }
      if (this.stopping.signal.aborted) break;
      if (wait > 0) {
        this.waiting = true;
        await this.clock.sleep(wait, AbortSignal.any([this.stopping.signal, this.wakeUp.signal]));
        this.waiting = false;
      }
      if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
    }
  }

  /** Send every job due now, one after another. Returns how many were settled. */
  async runDue(): Promise<number> {
    let settled = 0;
    while (!this.stopping.signal.aborted) {
      const job = await this.deps.store.claimMail(this.clock.now(), this.leaseMs);
      if (!job) break;
      await this.process(job);
      settled++;
    }
    return settled;
  }

  private async process(job: ClaimedMailJob): Promise<void> {
    const log = this.deps.logger.child({ mailJob: job.id, user: job.userId, kind: job.kind, attempt: job.attempts });
    try {
      const outcome = await this.deliver(job);
      if (!(await this.deps.store.completeMail(job))) log.warn('mail job was taken over by another worker (lease ran out)');
      else if (outcome === 'sent') log.info('e-mail sent');
      else log.info('e-mail no longer needed (no address, e-mail turned off, or message gone)');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const delay = this.retryDelays[job.attempts - 1];
      if (err instanceof GiveUp || (err instanceof MailSendError && err.permanent) || delay === undefined) {
        log.error('e-mail given up', { error: reason });
        await this.deps.store.abandonMail(job, reason);
        return;
      }
      log.warn('e-mail not sent; will retry', { error: reason, retryInMs: delay });
      await this.deps.store.retryMail(job, this.clock.now() + delay, reason);
    }
  }

  private async deliver(job: ClaimedMailJob): Promise<Outcome> {
    const user = await this.deps.store.getUser(job.userId);
    if (!user?.email) return 'nothing-to-send';
    const location = await this.deps.store.getLocation(user.locationId);
    const language = user.language ?? location?.language;
    if (job.kind === 'locked') {
      const mail = renderLockMail({ language, extension: user.extension, ...(user.displayName ? { userName: user.displayName } : {}) });
      await this.deps.transport.send({ to: user.email, ...mail });
      return 'sent';
    }
    if (!job.messageId) throw new GiveUp('new-message job without a message id');
    const mode = user.emailMessages;
    if (mode === 'off') return 'nothing-to-send';
    const message = await this.deps.messages.get(user.id, job.messageId);
    if (!message) return 'nothing-to-send';
    const attach = mode === 'attach' || mode === 'attach-delete';
    const recording = messageRecordingName(user.id, message.id);
    const audio = attach ? await this.deps.audio(recording) : undefined;
    const rendered = renderMessageMail({
      language,
      extension: user.extension,
      ...(user.displayName ? { userName: user.displayName } : {}),
      callerNumber: message.callerNumber,
      callerName: message.callerName,
      receivedAt: message.receivedAt,
      timeZone: location?.timeZone ?? 'UTC',
      durationSec: message.durationSec,
      attached: attach,
      deleted: mode === 'attach-delete',
    });
    const mail: OutgoingMail = {
      to: user.email,
      ...rendered,
      ...(audio ? { attachment: { filename: attachmentName(message, location), contentType: 'audio/wav', content: audio } } : {}),
    };
    await this.deps.transport.send(mail);
    if (mode === 'attach-delete') await this.deleteMessage(user, message.id, recording);
    return 'sent';
  }

  /** After the e-mail went out: the portal's lists, then the audio, then the lamp. */
  private async deleteMessage(user: User, messageId: string, recording: string): Promise<void> {
    await this.deps.messages.remove(user.id, messageId);
    await this.deps.removeRecording(recording).catch((err: unknown) =>
      // An orphan recording: doctor --fix removes it.
      this.deps.logger.warn('could not delete the recording of a mailed message', { recording, error: String(err) }),
    );
    await this.deps.refreshLamp(user);
  }
}

/** `voicemail-20261202-0930.wav`, in the location's time zone. */
function attachmentName(message: VoiceMessage, location: Location | null): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: location?.timeZone ?? 'UTC',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(message.receivedAt));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '00';
  return `voicemail-${get('year')}${get('month')}${get('day')}-${get('hour')}${get('minute')}${get('second')}.wav`;
}
