/**
 * Voicemail end to end (issue step 6): the unchanged app against the ARI double and a
 * private Redis. Deposits arrive as `Stasis(voice-portal,deposit,<mailbox>[,reason])`.
 */
import { envelopeMedia } from '../../src/portal/envelope';
import type { VoiceMessage } from '../../src/store';
import type { SimCall } from '../double/control';
import { ended, heard, hears, logInFromOwnPhone, PARIS, recordVoice, startHarness, waitUntil, type Harness } from '../support/portal-harness';

const PIN = '502938';
/** Missing recordings are given up after duration + 1 s + this: short, to keep the test quick. */
const MARGIN_MS = 200;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ app: { voicemail: { playbackMarginMs: MARGIN_MS, maxMessages: 5 } } });
  await h.admin.addLocation(PARIS, 'test');
});
afterAll(async () => {
  await h?.close();
});

let nextExt = 4000;
/** A user ready for the main menu (PIN set, name flag set but no name recording unless `name`). */
async function newUser(opts: { name?: boolean } = {}): Promise<{ id: string; ext: string }> {
  const ext = String(nextExt++);
  const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
  await h.admin.selfServiceSetPin(user.id, PIN, 'test');
  await h.admin.markNameRecorded(user.id, 'test');
  if (opts.name) h.double.addStoredRecording(`voice-portal/names/${user.id}`, 2);
  return { id: user.id, ext };
}

function depositCall(mailbox: string, reason?: 'busy' | 'unavailable', callerNumber = '+33611223344'): Promise<SimCall> {
  return h.double.placeCall({ callerNumber, callerName: 'Zoe', extension: mailbox, args: reason ? ['deposit', mailbox, reason] : ['deposit', mailbox] });
}

/** A message put in place as if left earlier: metadata through the app's store, audio in the double. */
async function seedMessage(userId: string, receivedAt: number, durationSec: number, opts: { audio?: boolean } = {}): Promise<string> {
  const r = await h.app.messages.reserve(userId, { maxMessages: 100, staleAfterMs: 60_000, now: receivedAt });
  if (r.result !== 'ok') throw new Error('mailbox full');
  await h.app.messages.commit(userId, r.messageId, { receivedAt, callerNumber: '+33155667788', callerName: '', durationSec });
  if (opts.audio !== false) h.double.addStoredRecording(`voice-portal/vm/${userId}/${r.messageId}`, durationSec);
  return r.messageId;
}

/** Own phone, PIN, until the main menu plays. */
async function loginCall(ext: string): Promise<SimCall> {
  const call = await h.call({ callerNumber: ext });
  await logInFromOwnPhone(call, PIN);
  return call;
}

const env = (m: Pick<VoiceMessage, 'receivedAt' | 'callerNumber'>): string[] =>
  envelopeMedia(m, PARIS.timeZone, 'en').map((uri) => (uri.startsWith('sound:voice-portal/') ? uri.slice('sound:voice-portal/'.length) : uri));

const lampHistory = (ext: string): string[] =>
  h.double.mailboxUpdates.filter((u) => u.name === `${ext}@voice-portal`).map((u) => `${u.oldMessages}/${u.newMessages}`);

const recordingsOf = (userId: string): string[] => [...h.double.storedRecordings().keys()].filter((n) => n.startsWith(`voice-portal/vm/${userId}/`));

describe('leaving a message', () => {
  test('deposit, then the owner listens (heard = saved) and deletes it; the lamp follows', async () => {
    const u = await newUser();
    const dep = await depositCall(u.ext);
    await recordVoice(dep, 3);
    expect(await ended(dep)).toBe('app-hangup');
    expect(heard(dep)).toEqual(['default-greeting-extension', `digits:${u.ext}`, 'is-unavailable', 'leave-message-after-tone', 'message-saved', 'goodbye']);

    const [message] = await h.app.messages.list(u.id);
    expect(message).toMatchObject({ status: 'new', callerNumber: '+33611223344', callerName: 'Zoe' });
    expect(message!.durationSec).toBeGreaterThanOrEqual(3);
    expect(recordingsOf(u.id)).toEqual([`voice-portal/vm/${u.id}/${message!.id}`]);
    expect(h.double.mailboxes().get(`${u.ext}@voice-portal`)).toEqual({ oldMessages: 0, newMessages: 1 });

    const call = await loginCall(u.ext);
    await call.press('1');
    await hears(call, 'message-menu');
    expect(h.double.mailboxes().get(`${u.ext}@voice-portal`)).toEqual({ oldMessages: 1, newMessages: 0 });
    expect((await h.app.messages.list(u.id))[0]!.status).toBe('saved');
    await call.press('7');
    await hears(call, 'main-menu', 2);
    await call.press('9');
    expect(await ended(call)).toBe('app-hangup');
    expect(heard(call)).toEqual([
      'welcome',
      'you-have',
      'number:1',
      'new-messages',
      'and',
      'number:0',
      'saved-messages',
      'main-menu',
      ...env(message!),
      `recording:voice-portal/vm/${u.id}/${message!.id}`,
      'message-menu',
      'message-deleted',
      'no-more-messages',
      'main-menu',
      'goodbye',
    ]);
    expect(await h.app.messages.list(u.id)).toEqual([]);
    expect(recordingsOf(u.id)).toEqual([]);
    expect(lampHistory(u.ext)).toEqual(['0/1', '1/0', '0/0']);
  });

  test('greeting precedence: busy greeting > recorded name > extension digits', async () => {
    const u = await newUser({ name: true });
    const greetingOf = async (reason: 'busy' | 'unavailable'): Promise<string[]> => {
      const call = await depositCall(u.ext, reason);
      await hears(call, 'leave-message-after-tone');
      await call.hangup();
      await ended(call);
      return heard(call);
    };
    expect(await greetingOf('busy')).toEqual([`recording:voice-portal/names/${u.id}`, 'is-busy', 'leave-message-after-tone']);
    h.double.addStoredRecording(`voice-portal/greetings/${u.id}/busy`, 2);
    expect(await greetingOf('busy')).toEqual([`recording:voice-portal/greetings/${u.id}/busy`, 'leave-message-after-tone']);
    // The no-answer greeting is another recording: the name is still used for it.
    expect(await greetingOf('unavailable')).toEqual([`recording:voice-portal/names/${u.id}`, 'is-unavailable', 'leave-message-after-tone']);
    // A name flagged as recorded whose file is gone: the extension digits.
    h.double.removeStoredRecording(`voice-portal/names/${u.id}`);
    expect(await greetingOf('unavailable')).toEqual(['default-greeting-extension', `digits:${u.ext}`, 'is-unavailable', 'leave-message-after-tone']);
    // Hanging up before the tone leaves nothing behind (no message, no reservation).
    expect(await h.app.messages.list(u.id)).toEqual([]);
    expect(await h.app.messages.pending(u.id)).toEqual([]);
  });

  test('a busy greeting recorded from the greetings menu is what callers hear; restoring it brings the default back', async () => {
    const u = await newUser();
    const call = await loginCall(u.ext);
    await call.press('3');
    await hears(call, 'greetings-menu');
    await call.press('1');
    await recordVoice(call, 2);
    await hears(call, 'recording-options');
    await call.press('1');
    await hears(call, 'greeting-saved');
    await call.press('*');
    await hears(call, 'main-menu', 2);
    await call.press('9');
    await ended(call);
    expect(h.double.storedRecordings().has(`voice-portal/greetings/${u.id}/busy`)).toBe(true);

    const dep = await depositCall(u.ext, 'busy');
    await hears(dep, 'leave-message-after-tone');
    await dep.hangup();
    expect(heard(dep)).toEqual([`recording:voice-portal/greetings/${u.id}/busy`, 'leave-message-after-tone']);

    const again = await loginCall(u.ext);
    await again.press('3');
    await hears(again, 'greetings-menu');
    await again.press('3');
    await hears(again, 'greeting-restored');
    await again.hangup();
    await ended(again);
    expect(h.double.storedRecordings().has(`voice-portal/greetings/${u.id}/busy`)).toBe(false);
    const after = await depositCall(u.ext, 'busy');
    await hears(after, 'leave-message-after-tone');
    await after.hangup();
    expect(heard(after)).toEqual(['default-greeting-extension', `digits:${u.ext}`, 'is-busy', 'leave-message-after-tone']);
  });

  test('a message under a second is discarded with its recording', async () => {
    const u = await newUser();
    const dep = await depositCall(u.ext, 'busy');
    await dep.waitFor((e) => e.kind === 'recording-started');
    await dep.press('#');
    expect(await ended(dep)).toBe('app-hangup');
    expect(heard(dep)).toEqual(['default-greeting-extension', `digits:${u.ext}`, 'is-busy', 'leave-message-after-tone', 'goodbye']);
    expect(await h.app.messages.list(u.id)).toEqual([]);
    expect(await h.app.messages.pending(u.id)).toEqual([]);
    expect(recordingsOf(u.id)).toEqual([]);
    expect(lampHistory(u.ext)).toEqual([]);
  });

  test('hanging up during the recording keeps a message of a second or more', async () => {
    const u = await newUser();
    const dep = await depositCall(u.ext);
    await dep.waitFor((e) => e.kind === 'recording-started');
    dep.speak(2);
    await new Promise((r) => setTimeout(r, 2 * 1000 * h.double.timeScale + 30));
    await dep.hangup();
    expect(await ended(dep)).toBe('caller');
    await waitUntil(() => lampHistory(u.ext).length === 1, 3000, 'the lamp lights');
    const list = await h.app.messages.list(u.id);
    expect(list).toHaveLength(1);
    expect(list[0]!.durationSec).toBeGreaterThanOrEqual(2);
    expect(recordingsOf(u.id)).toEqual([`voice-portal/vm/${u.id}/${list[0]!.id}`]);
    expect(lampHistory(u.ext)).toEqual(['0/1']);
  });

  test('a full mailbox says so after the greeting and records nothing', async () => {
    const u = await newUser();
    for (let i = 0; i < 5; i++) await seedMessage(u.id, Date.UTC(2026, 0, 5, 10, i), 1);
    const dep = await depositCall(u.ext);
    expect(await ended(dep)).toBe('app-hangup');
    expect(heard(dep)).toEqual(['default-greeting-extension', `digits:${u.ext}`, 'is-unavailable', 'mailbox-full']);
    expect(dep.log.some((e) => e.kind === 'recording-started')).toBe(false);
    expect(await h.app.messages.counts(u.id)).toEqual({ newMessages: 5, oldMessages: 0 });
  });

  test('a locked mailbox still takes messages', async () => {
    const u = await newUser();
    for (let i = 0; i < 4; i++) await h.admin.verifyUserPin(u.ext, '000000', u.ext);
    expect((await h.admin.getUser(u.id))?.lockedSince).toBeDefined();
    const dep = await depositCall(u.ext);
    await recordVoice(dep, 2);
    expect(await ended(dep)).toBe('app-hangup');
    expect(await h.app.messages.counts(u.id)).toEqual({ newMessages: 1, oldMessages: 0 });
  });

  test('star during the greeting asks for that mailbox PIN and opens the portal', async () => {
    const u = await newUser();
    const dep = await depositCall(u.ext, 'busy', '+33699999999');
    await hears(dep, 'default-greeting-extension');
    await dep.press('*');
    await hears(dep, 'enter-passcode');
    await dep.press(`${PIN}#`);
    await hears(dep, 'main-menu');
    await dep.press('9');
    expect(await ended(dep)).toBe('app-hangup');
    expect(heard(dep)).toEqual(['default-greeting-extension', 'enter-passcode', 'main-menu', 'goodbye']);
  });

  test('an unknown mailbox is "service unavailable"', async () => {
    const dep = await depositCall('4999');
    expect(await ended(dep)).toBe('app-hangup');
    expect(heard(dep)).toEqual(['service-unavailable']);
  });
});

describe('listening (main menu key 1)', () => {
  test('next, previous, replay, envelope, save, delete, back', async () => {
    const u = await newUser();
    const t1 = Date.UTC(2026, 2, 2, 8, 5); // Monday 2 March 2026, 09:05 in Paris
    const t2 = Date.UTC(2026, 2, 3, 13, 0);
    const t3 = Date.UTC(2026, 2, 4, 20, 41);
    const id1 = await seedMessage(u.id, t1, 2);
    const id2 = await seedMessage(u.id, t2, 1);
    const id3 = await seedMessage(u.id, t3, 1);
    await h.app.messages.setStatus(u.id, id3, 'saved');
    const m = (t: number): Pick<VoiceMessage, 'receivedAt' | 'callerNumber'> => ({ receivedAt: t, callerNumber: '+33155667788' });
    const rec = (id: string): string => `recording:voice-portal/vm/${u.id}/${id}`;

    const call = await loginCall(u.ext);
    let menus = 0;
    const choose = async (key: string): Promise<void> => {
      await hears(call, 'message-menu', ++menus);
      await call.press(key);
    };
    await call.press('1');
    await choose('6'); // → message 2
    await choose('4'); // → message 1 again
    await choose('4'); // first-message
    await choose('2'); // replay (no envelope)
    await choose('5'); // envelope only
    await choose('9'); // save → message 2
    await choose('7'); // delete message 2 → message 3 (saved)
    await choose('*'); // back
    await hears(call, 'main-menu', 2);
    await call.press('9');
    expect(await ended(call)).toBe('app-hangup');
    expect(heard(call)).toEqual([
      'welcome',
      ...['you-have', 'number:2', 'new-messages', 'and', 'number:1', 'saved-messages'],
      'main-menu',
      ...env(m(t1)),
      rec(id1),
      'message-menu',
      ...env(m(t2)),
      rec(id2),
      'message-menu',
      ...env(m(t1)),
      rec(id1),
      'message-menu',
      'first-message',
      'message-menu',
      rec(id1),
      'message-menu',
      ...env(m(t1)),
      'message-menu',
      'message-saved',
      ...env(m(t2)),
      rec(id2),
      'message-menu',
      'message-deleted',
      ...env(m(t3)),
      rec(id3),
      'message-menu',
      'main-menu',
      'goodbye',
    ]);
    const after = await h.app.messages.list(u.id);
    expect(after.map((x) => [x.id, x.status])).toEqual([
      [id1, 'saved'],
      [id3, 'saved'],
    ]);
    expect(recordingsOf(u.id).sort()).toEqual([`voice-portal/vm/${u.id}/${id1}`, `voice-portal/vm/${u.id}/${id3}`].sort());
    // Messages 1 and 2 became saved when heard to the end; 2 was deleted; 3 was saved already.
    expect(h.double.mailboxes().get(`${u.ext}@voice-portal`)).toEqual({ oldMessages: 2, newMessages: 0 });
  });

  test('the counts announced after the name a first login asks for are read then: a message left meanwhile is counted', async () => {
    const ext = String(nextExt++);
    const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
    await h.admin.selfServiceSetPin(user.id, PIN, 'test');
    await seedMessage(user.id, Date.now() - 60_000, 2);
    const call = await h.call({ callerNumber: ext });
    await hears(call, 'welcome');
    await call.press(`${PIN}#`);
    await hears(call, 'record-name');
    // Left while the owner records their name, after the login counted one message.
    await seedMessage(user.id, Date.now(), 1);
    await recordVoice(call, 1);
    await hears(call, 'recording-options');
    await call.press('1');
    await hears(call, 'main-menu');
    await call.hangup();
    expect(heard(call)).toEqual([
      'welcome',
      'must-record-name',
      'record-name',
      'recording-options',
      'name-saved',
      ...['you-have', 'number:2', 'new-messages', 'and', 'number:0', 'saved-messages'],
      'main-menu',
    ]);
  });

  test('hanging up while a message plays leaves it new and the counts unchanged', async () => {
    const u = await newUser();
    const id = await seedMessage(u.id, Date.UTC(2026, 5, 1, 12, 0), 40);
    const call = await loginCall(u.ext);
    await call.press('1');
    await hears(call, `recording:voice-portal/vm/${u.id}/${id}`);
    await call.hangup();
    await ended(call);
    await new Promise((r) => setTimeout(r, 100));
    expect(await h.app.messages.list(u.id)).toMatchObject([{ id, status: 'new' }]);
    expect(await h.app.messages.counts(u.id)).toEqual({ newMessages: 1, oldMessages: 0 });
    expect(lampHistory(u.ext)).toEqual([]);
  });

  test('a message whose recording is missing is skipped with an apology', async () => {
    const u = await newUser();
    const t1 = Date.UTC(2026, 6, 14, 7, 30);
    const t2 = Date.UTC(2026, 6, 14, 7, 45);
    const lost = await seedMessage(u.id, t1, 1, { audio: false });
    const fine = await seedMessage(u.id, t2, 1);
    const call = await loginCall(u.ext);
    await call.press('1');
    await hears(call, 'message-menu', 1, 10_000);
    await call.press('*');
    await hears(call, 'main-menu', 2);
    await call.press('9');
    await ended(call);
    expect(heard(call)).toEqual([
      'welcome',
      ...['you-have', 'number:2', 'new-messages', 'and', 'number:0', 'saved-messages'],
      'main-menu',
      ...env({ receivedAt: t1, callerNumber: '+33155667788' }),
      `recording:voice-portal/vm/${u.id}/${lost}`,
      'message-unavailable',
      ...env({ receivedAt: t2, callerNumber: '+33155667788' }),
      `recording:voice-portal/vm/${u.id}/${fine}`,
      'message-menu',
      'main-menu',
      'goodbye',
    ]);
    expect((await h.app.messages.list(u.id)).map((x) => [x.id, x.status])).toEqual([
      [lost, 'new'],
      [fine, 'saved'],
    ]);
  });
});
