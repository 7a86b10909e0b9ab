/**
 * Leaving a message: the dialplan hands an unanswered call to
 * `Stasis(voice-portal,deposit,<mailbox>[,busy|unavailable])`.
 *
 * greeting → "leave a message after the tone" → beep → record until `#`, hang-up, silence or
 * the maximum length → stored as a new message → lamp.
 *
 * - Greeting: the user's recorded busy / no-answer greeting; else a default one: the
 *   recorded name (or "the person at extension <digits>") + "is on the phone" / "is not
 *   available". No reason given → no-answer.
 * - `*` during the greeting: the owner wants their mailbox: its PIN, then the portal
 *   (`loginToMailbox`). Any other key skips the rest of the greeting, to the tone.
 * - A full mailbox (new + saved + deposits in progress) says so after the greeting and
 *   records nothing. A locked mailbox still takes messages (the lock only closes the portal).
 * - A message under a second (Asterisk reports 0 s) is discarded with its recording.
 * - Hanging up ends the recording and keeps it (Asterisk finishes it before StasisEnd).
 */
import type { User } from '../store/types';
import { messageRecordingName } from '../store/messages';
import { loginToMailbox } from './login';
import { defaultGreetingMedia } from './default-greeting';
import { recordingNames, type UserGreeting } from './recording-names';
import type { Session } from './session';

/** A reservation older than the longest message plus this is taken as abandoned. */
const RESERVATION_SLACK_MS = 10 * 60 * 1000;

export async function deposit(s: Session, mailbox: string | undefined, reasonArg: string | undefined): Promise<void> {
  const user = mailbox ? await s.deps.store.findUserByMailbox(mailbox) : null;
  if (!user) {
    s.log.error('deposit for an unknown mailbox', { mailbox: mailbox ?? '' });
    await s.endWith('service-unavailable');
    return;
  }
  const location = await s.deps.store.getLocation(user.locationId);
  s.lang = user.language ?? location?.language ?? s.lang;
  const reason: UserGreeting = reasonArg === 'busy' ? 'busy' : 'unavailable';
  const log = s.log.child({ user: user.id });

  const greeting = await s.call.play(await greetingMedia(s, user, reason), { interruptible: true, lang: s.lang });
  if (greeting.endedBy === 'interrupted' && greeting.interruptedBy === '*') {
    log.info('star during the greeting: login to the mailbox');
    await consumeBufferedKey(s);
    await loginToMailbox(s, user);
    return;
  }

  const { messages, voicemail } = s.deps;
  const reservation = await messages.reserve(user.id, {
    maxMessages: voicemail.maxMessages,
    staleAfterMs: voicemail.maxMessageSeconds * 1000 + RESERVATION_SLACK_MS,
  });
  if (reservation.result === 'full') {
    log.warn('mailbox full: message refused', { ...reservation.counts, maxMessages: voicemail.maxMessages });
    await s.endWith('mailbox-full');
    return;
  }
  const messageId = reservation.messageId;
  const name = messageRecordingName(user.id, messageId);
  let kept = false;
  /** The reservation was committed or given back (the finally below handles the rest). */
  let settled = false;
  try {
    await s.sayFully('leave-message-after-tone');
    const receivedAt = Date.now();
    const recorded = await s.call.record({
      name,
      maxSeconds: voicemail.maxMessageSeconds,
      maxSilenceSeconds: s.timings.maxSilenceSeconds,
      beep: true,
      terminateOn: '#',
      ifExists: 'fail',
    });
    if (recorded.durationSec < 1) {
      log.info('message too short: discarded', { endedBy: recorded.endedBy });
      await s.deps.recordings.remove(name).catch((err: unknown) => log.warn('could not delete a discarded recording', { name, error: String(err) }));
      // Give the room back before the goodbye: the caller may hang up during it.
      await messages.release(user.id, messageId);
      settled = true;
    } else {
      await messages.commit(user.id, messageId, {
        receivedAt,
        callerNumber: s.call.callerNumber,
        callerName: s.call.callerName,
        durationSec: recorded.durationSec,
      });
      kept = true;
      settled = true;
      log.info('message left', { messageId, durationSec: recorded.durationSec, endedBy: recorded.endedBy });
      s.deps.mail?.messageLeft(user, messageId);
      await s.deps.lamps.refresh(user);
    }
    if (!s.call.isEnded) await (kept ? s.goodbye('message-saved') : s.goodbye());
  } finally {
    // Nothing committed (too short, recording failed, call or Redis gone): give the room back.
    // A recording left behind by a failure is an orphan that doctor removes.
    if (!settled) await messages.release(user.id, messageId).catch((err: unknown) => log.warn('could not release a deposit reservation', { error: String(err) }));
  }
}

/** The user's greeting for `reason`, else the default one (name or extension digits). */
async function greetingMedia(s: Session, user: User, reason: UserGreeting): Promise<string[]> {
  const recorded = recordingNames.userGreeting(user.id, reason);
  if (await s.deps.recordings.exists(recorded)) return [`recording:${recorded}`];
  return defaultGreetingMedia(s, user, reason);
}

/** The `*` that stopped the greeting is still buffered: take it so the PIN prompt plays. */
async function consumeBufferedKey(s: Session): Promise<void> {
  await s.call.gather({ maxDigits: 1, terminator: null, firstDigitTimeoutMs: 1, interDigitTimeoutMs: 1 });
}
