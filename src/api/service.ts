/**
 * The self-service operations, shared by the HTTP API (`/api/v1`, integration tokens) and the
 * "My voicemail" page (`/my/`, the SSO proxy's user): one implementation, two front doors.
 *
 * PIN operations need only Redis (the store); audio and greetings need Asterisk's stored
 * recordings over ARI REST (`RecordingFiles`). A user's state is answered while Asterisk is
 * down, with `nameRecording.recorded: null` (unknown) instead of failing.
 */
import type { RecordingFile, RecordingFiles } from '../ari';
import type { Logger } from '../log';
import type { MailboxLamps } from '../portal/lamps';
import { recordingNames, type UserGreeting } from '../portal/recording-names';
import { checkPinForUser, PIN_REJECTION_TEXT, type PinRejection } from '../security/pin-policy';
import { messageRecordingName, NotFound, type Actor, type MessageStore, type Store, type User, type VoiceMessage } from '../store';

export interface SelfServiceDeps {
  store: Store;
  messages: MessageStore;
  recordings: RecordingFiles;
  /** Message-waiting lamps to refresh after a save or a delete (absent: none). */
  lamps?: MailboxLamps;
  logger: Logger;
}

export const GREETINGS: readonly UserGreeting[] = ['busy', 'unavailable'];

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export interface UserView {
  id: string;
  locationId: string;
  extension: string;
  number: string | null;
  name: string | null;
  email: string | null;
  /** The user's own language, or null when the location's applies. */
  language: string | null;
  pin: { set: boolean; mustChange: boolean; changedAt: string | null };
  locked: boolean;
  lockedSince: string | null;
  failures: number;
  /** `recorded` is null while Asterisk cannot be asked. */
  nameRecording: { mustRecord: boolean; recorded: boolean | null };
  messages: { new: number; saved: number };
}

export interface MessageView {
  id: string;
  status: 'new' | 'saved';
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string;
  durationSec: number;
}

export interface GreetingView {
  kind: UserGreeting;
  /** null while Asterisk cannot be asked. */
  recorded: boolean | null;
}

/** The pure policy checks (no hash involved): cheap enough to run as the user types. */
export type PinCheck = { ok: true } | { ok: false; reason: PinRejection; reasonText: string };

export function messageView(m: VoiceMessage): MessageView {
  return {
    id: m.id,
    status: m.status,
    callerNumber: m.callerNumber || null,
    callerName: m.callerName || null,
    receivedAt: new Date(m.receivedAt).toISOString(),
    durationSec: m.durationSec,
  };
}

export class SelfService {
  constructor(private readonly deps: SelfServiceDeps) {}

  async requireUser(userId: string): Promise<User> {
    const user = await this.deps.store.getUser(userId);
    if (!user) throw new NotFound(`no user ${userId}`);
    return user;
  }

  /** Whether a stored recording exists; null when Asterisk cannot be asked. */
  private async recordingExists(name: string): Promise<boolean | null> {
    try {
      return await this.deps.recordings.exists(name);
    } catch (err) {
      this.deps.logger.debug('self-service: cannot ask Asterisk about a recording', { recording: name, error: (err as Error).message });
      return null;
    }
  }

  async userView(userId: string): Promise<UserView> {
    const user = await this.requireUser(userId);
    const [counts, nameRecorded] = await Promise.all([this.deps.messages.counts(userId), this.recordingExists(recordingNames.personalName(userId))]);
    return {
      id: user.id,
      locationId: user.locationId,
      extension: user.extension,
      number: user.number ?? null,
      name: user.displayName ?? null,
      email: user.email ?? null,
      language: user.language ?? null,
      pin: { set: user.hasPin, mustChange: user.mustChange, changedAt: iso(user.pinChangedAt) },
      locked: user.lockedSince !== undefined,
      lockedSince: iso(user.lockedSince),
      failures: user.failures,
      nameRecording: { mustRecord: user.mustRecordName, recorded: nameRecorded },
      messages: { new: counts.newMessages, saved: counts.oldMessages },
    };
  }

  /** Self-service set PIN: the whole PIN policy applies; it unlocks the mailbox and the new PIN works at once, with no forced change. Throws PinRejected. */
  async setPin(userId: string, pin: string, actor: Actor): Promise<UserView> {
    await this.requireUser(userId);
    await this.deps.store.selfServiceSetPin(userId, pin, actor);
    return this.userView(userId);
  }

  /** The rules that need no hash, for the page's as-you-type hints (the full check is on PUT). */
  async checkPin(userId: string, pin: string): Promise<PinCheck> {
    const user = await this.requireUser(userId);
    const policy = await this.deps.store.getPolicy();
    const reason = checkPinForUser(pin, policy, { extension: user.extension, ...(user.number ? { phoneNumber: user.number } : {}) });
    return reason ? { ok: false, reason, reasonText: PIN_REJECTION_TEXT[reason] } : { ok: true };
  }

  async unlock(userId: string, actor: Actor): Promise<{ wasLocked: boolean; user: UserView }> {
    const { wasLocked } = await this.deps.store.unlockUser(userId, actor);
    return { wasLocked, user: await this.userView(userId) };
  }

  async resetPin(userId: string, actor: Actor): Promise<{ pin: 'default' | 'none'; user: UserView }> {
    const { pin } = await this.deps.store.adminResetPin(userId, actor);
    return { pin, user: await this.userView(userId) };
  }

  async listMessages(userId: string): Promise<MessageView[]> {
    await this.requireUser(userId);
    return (await this.deps.messages.list(userId)).map(messageView);
  }

  private async requireMessage(userId: string, messageId: string): Promise<VoiceMessage> {
    const message = (await this.deps.messages.list(userId)).find((m) => m.id === messageId);
    if (!message) throw new NotFound(`no message ${messageId}`);
    return message;
  }

  /** The message's audio from Asterisk (the caller streams and closes it). */
  async openMessageAudio(userId: string, messageId: string): Promise<RecordingFile> {
    await this.requireUser(userId);
    await this.requireMessage(userId, messageId);
    return this.deps.recordings.open(messageRecordingName(userId, messageId));
  }

  /** Mark as saved (heard); the lamp follows. */
  async saveMessage(userId: string, messageId: string): Promise<MessageView> {
    const user = await this.requireUser(userId);
    const { changed } = await this.deps.messages.setStatus(userId, messageId, 'saved');
    const message = await this.requireMessage(userId, messageId);
    if (changed) await this.deps.lamps?.refresh(user);
    return messageView(message);
  }

  /**
   * Delete: the metadata first, then the recording (messages.ts crash table: a recording left
   * behind, because Asterisk is down, is an orphan that doctor removes). The lamp follows.
   */
  async deleteMessage(userId: string, messageId: string): Promise<void> {
    const user = await this.requireUser(userId);
    const { removed } = await this.deps.messages.remove(userId, messageId);
    if (!removed) throw new NotFound(`no message ${messageId}`);
    await this.deps.lamps?.refresh(user);
    try {
      await this.deps.recordings.remove(messageRecordingName(userId, messageId));
    } catch (err) {
      this.deps.logger.warn('message deleted, but its recording could not be removed (doctor will)', {
        user: userId,
        message: messageId,
        error: (err as Error).message,
      });
    }
  }

  async greetings(userId: string): Promise<GreetingView[]> {
    await this.requireUser(userId);
    return Promise.all(GREETINGS.map(async (kind) => ({ kind, recorded: await this.recordingExists(recordingNames.userGreeting(userId, kind)) })));
  }

  async openGreetingAudio(userId: string, kind: UserGreeting): Promise<RecordingFile> {
    await this.requireUser(userId);
    return this.deps.recordings.open(recordingNames.userGreeting(userId, kind));
  }

  /** Back to the default greeting: the recorded one is deleted (already none: fine). */
  async restoreDefaultGreeting(userId: string, kind: UserGreeting, actor: Actor): Promise<void> {
    await this.requireUser(userId);
    await this.deps.recordings.remove(recordingNames.userGreeting(userId, kind));
    this.deps.logger.info('greeting restored to default through self-service', { user: userId, greeting: kind, actor });
  }
}
