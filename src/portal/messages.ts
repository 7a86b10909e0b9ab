/**
 * Listening to messages (main menu key 1): new messages first, then saved ones, each
 * oldest first. For each: its envelope, then the message, then the message menu
 *   2 replay · 4 previous · 5 envelope · 6 next · 7 delete · 9 save · * back.
 *
 * - A new message becomes saved once heard to the end (a key that stops it, or a hang-up,
 *   leaves it new). Each flag change is one atomic script, so a hang-up at any point leaves
 *   the lists and counts consistent.
 * - A message whose recording is missing never finishes playing in Asterisk: the play gives
 *   up after its duration plus a margin (`timeout`), and the message is skipped with an
 *   apology ("message-unavailable"); it stays listed (doctor reports and removes it).
 * - Delete: the metadata first, then the recording (a crash between leaves an orphan
 *   recording, never a listed message without audio).
 * - After every change of the counts the user's lamps are updated.
 */
import type { Location, MessageCounts, User, VoiceMessage } from '../store';
import { messageRecordingName } from '../store/messages';
import { envelopeMedia } from './envelope';
import { promptMedia } from './prompts';
import type { Session } from './session';

const MENU_KEYS = ['2', '4', '5', '6', '7', '9', '*'] as const;

/**
 * "You have N new messages and M saved messages", at the main menu's start. Nothing when the
 * mailbox is empty (key 1 then says "you have no messages"). The caller may talk over it.
 * `known`: counts read this very moment by the caller (the login's), else read here.
 */
export async function announceMessageCounts(s: Session, userId: string, known?: MessageCounts): Promise<void> {
  const counts = known ?? (await s.deps.messages.counts(userId));
  if (counts.newMessages + counts.oldMessages === 0) return;
  await s.playMedia([
    promptMedia('you-have'),
    `number:${counts.newMessages}`,
    promptMedia('new-messages'),
    promptMedia('and'),
    `number:${counts.oldMessages}`,
    promptMedia('saved-messages'),
  ]);
}

/** What to play before the next menu. */
type Step = 'envelope-and-message' | 'message' | 'envelope' | 'menu';

/** Returns to the main menu on `*`, or after the last message. */
export async function listenToMessages(s: Session, userId: string): Promise<void> {
  const user = await s.deps.store.getUser(userId);
  const list = user ? await s.deps.messages.list(userId) : [];
  if (!user || list.length === 0) {
    await s.say('no-messages');
    return;
  }
  const location = await s.deps.store.getLocation(user.locationId);
  const timeZone = timeZoneOf(location);
  let index = 0;
  let step: Step = 'envelope-and-message';
  for (;;) {
    const message = list[index] as VoiceMessage;
    if (step === 'envelope-and-message' || step === 'envelope') {
      await s.playMedia(envelopeMedia(message, timeZone, s.lang));
    }
    if (step === 'envelope-and-message' || step === 'message') {
      const outcome = await playMessage(s, message);
      if (outcome === 'missing') {
        await s.say('message-unavailable');
        if (index + 1 >= list.length) return noMoreMessages(s);
        index += 1;
        step = 'envelope-and-message';
        continue;
      }
      if (outcome === 'heard' && message.status === 'new') await setStatus(s, user, message, 'saved');
    }
    step = 'menu';
    const key = await s.choose(['message-menu'], MENU_KEYS);
    switch (key) {
      case '2':
        step = 'message';
        break;
      case '4':
        if (index === 0) {
          await s.say('first-message');
        } else {
          index -= 1;
          step = 'envelope-and-message';
        }
        break;
      case '5':
        step = 'envelope';
        break;
      case '6':
        if (index + 1 >= list.length) return noMoreMessages(s);
        index += 1;
        step = 'envelope-and-message';
        break;
      case '7':
        await deleteMessage(s, user, message);
        list.splice(index, 1);
        await s.say('message-deleted');
        if (index >= list.length) return noMoreMessages(s);
        step = 'envelope-and-message';
        break;
      case '9':
        if (message.status === 'new') await setStatus(s, user, message, 'saved');
        await s.say('message-saved');
        if (index + 1 >= list.length) return noMoreMessages(s);
        index += 1;
        step = 'envelope-and-message';
        break;
      case '*':
        return;
    }
  }
}

async function noMoreMessages(s: Session): Promise<void> {
  await s.say('no-more-messages');
}

/**
 * heard: played to the end; stopped: a key stopped it (or was already typed); missing: Asterisk
 * could not play it (no PlaybackFinished within its duration plus the margin, or failed).
 */
async function playMessage(s: Session, message: VoiceMessage): Promise<'heard' | 'stopped' | 'missing'> {
  const name = messageRecordingName(message.userId, message.id);
  // The recording may be up to a second longer than the whole seconds Asterisk reported.
  const timeoutMs = (message.durationSec + 1) * 1000 + s.deps.voicemail.playbackMarginMs;
  const result = await s.call.play([`recording:${name}`], { interruptible: true, lang: s.lang, timeoutMs });
  switch (result.endedBy) {
    case 'done':
      return 'heard';
    case 'interrupted':
      return 'stopped';
    case 'timeout':
    case 'failed':
      s.log.warn('voice message could not be played (recording missing?)', { user: message.userId, messageId: message.id, endedBy: result.endedBy });
      return 'missing';
  }
}

async function setStatus(s: Session, user: User, message: VoiceMessage, status: VoiceMessage['status']): Promise<void> {
  const { changed } = await s.deps.messages.setStatus(user.id, message.id, status);
  message.status = status;
  if (changed) await s.deps.lamps.refresh(user);
}

async function deleteMessage(s: Session, user: User, message: VoiceMessage): Promise<void> {
  await s.deps.messages.remove(user.id, message.id);
  s.log.info('voice message deleted', { user: user.id, messageId: message.id });
  await s.deps.lamps.refresh(user);
  const name = messageRecordingName(user.id, message.id);
  // The metadata is gone: the caller no longer sees the message. A recording we could not
  // delete now is an orphan for doctor, not a reason to fail the call.
  await s.deps.recordings.remove(name).catch((err: unknown) => s.log.warn('could not delete a message recording', { name, error: String(err) }));
}

function timeZoneOf(location: Location | null): string {
  return location?.timeZone ?? 'UTC';
}
