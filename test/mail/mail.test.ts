/**
 * Issue #16 end to end: the unchanged application, the ARI test double, a private Redis and
 * a REAL SMTP server (STARTTLS with a self-signed certificate, AUTH) on a loopback port.
 * A caller leaves a message; the user gets the e-mail they chose, in their language, with
 * the WAV Asterisk stored; attach-delete leaves the mailbox and the lamp right; a lock sends
 * the lock e-mail, without any PIN in it.
 */
import { ended, heard, PARIS, recordVoice, startHarness, type Harness } from '../support/portal-harness';
import { SMTP_USER, startTestSmtp, type ReceivedMail, type TestSmtp } from '../support/smtp';
import type { SimCall } from '../double/control';

let h: Harness;
let smtp: TestSmtp;
const PIN = '582937';

beforeAll(async () => {
  smtp = await startTestSmtp();
  h = await startHarness({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Voice portal <voicemail@example.test>', SMTP_CA_FILE: smtp.caFile },
    app: { mail: { idlePollMs: 200 } },
  });
  await h.admin.addLocation({ ...PARIS, language: 'en' }, 'test');
}, 120_000);

afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

let nextExt = 5100;
async function newUser(opts: { email?: string; mode?: 'notify' | 'attach' | 'attach-delete'; language?: string; name?: string }): Promise<{ id: string; ext: string }> {
  const ext = String(nextExt++);
  const user = await h.admin.createUser(
    {
      locationId: 'paris',
      extension: ext,
      ...(opts.email ? { email: opts.email } : {}),
      ...(opts.mode ? { emailMessages: opts.mode } : {}),
      ...(opts.language ? { language: opts.language } : {}),
      ...(opts.name ? { displayName: opts.name } : {}),
    },
    'test',
  );
  await h.admin.selfServiceSetPin(user.id, PIN, 'test');
  return { id: user.id, ext };
}

async function leaveMessage(ext: string, seconds: number): Promise<SimCall> {
  const call = await h.double.placeCall({ callerNumber: '+33611223344', callerName: 'Zoé Durand', extension: ext, args: ['deposit', ext, 'unavailable'] });
  await recordVoice(call, seconds);
  await ended(call);
  expect(heard(call)).toContain('message-saved');
  return call;
}

function mailsTo(address: string): ReceivedMail[] {
  return smtp.received.filter((m) => m.envelopeTo.includes(address));
}

async function waitForMailTo(address: string, timeoutMs = 10_000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  while (mailsTo(address).length === 0) {
    if (Date.now() > deadline) throw new Error(`no e-mail to ${address}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return mailsTo(address)[0] as ReceivedMail;
}

/** Length of the silent 8 kHz 16-bit mono WAV the double stores for `seconds`. */
const wavBytes = (seconds: number): number => 44 + seconds * 8000 * 2;

test('attach, in French: headers, language, caller, duration and the WAV part of the stored recording', async () => {
  const u = await newUser({ email: 'Alice.Martin@Example.test', mode: 'attach', language: 'fr', name: 'Alice Martin' });
  await leaveMessage(u.ext, 3);
  const mail = await waitForMailTo('alice.martin@example.test');
  const [message] = await h.app.messages.list(u.id);
  expect(message).toBeDefined();

  expect(mail.secure).toBe(true); // STARTTLS was used
  expect(mail.user).toBe(SMTP_USER); // and AUTH
  expect(mail.parsed.from?.value).toEqual([{ address: 'voicemail@example.test', name: 'Voice portal' }]);
  expect(mail.parsed.headers.get('content-language')).toBe('fr');
  expect(mail.parsed.subject).toBe(`Nouveau message vocal de Zoé Durand (+33611223344) (${message!.durationSec} secondes)`);
  expect(mail.parsed.text).toContain('Bonjour Alice Martin,');
  expect(mail.parsed.text).toContain(`poste ${u.ext}`);
  expect(mail.parsed.text).toContain('De : Zoé Durand (+33611223344)');
  expect(mail.parsed.text).toMatch(/Reçu le : \S+ \d+ \S+ \d{4} à \d\d:\d\d/);
  expect(mail.parsed.attachments).toHaveLength(1);
  const wav = mail.parsed.attachments[0]!;
  expect(wav.contentType).toBe('audio/wav');
  expect(wav.filename).toMatch(/^voicemail-\d{8}-\d{6}\.wav$/);
  const stored = h.double.storedRecordings().get(`voice-portal/vm/${u.id}/${message!.id}`);
  expect(stored).toBeDefined();
  expect(wav.content.length).toBe(wavBytes(stored!.durationSec));
  expect(wav.content.subarray(0, 4).toString('ascii')).toBe('RIFF');
  // attach keeps the message in the mailbox.
  expect(await h.app.messages.counts(u.id)).toEqual({ newMessages: 1, oldMessages: 0 });
});

test('attach-delete: mailed, then removed from the lists and from Asterisk; the lamp goes back to 0/0', async () => {
  const u = await newUser({ email: 'bob@example.test', mode: 'attach-delete', name: 'Bob' });
  await leaveMessage(u.ext, 2);
  const mail = await waitForMailTo('bob@example.test');
  expect(mail.parsed.headers.get('content-language')).toBe('en');
  expect(mail.parsed.subject).toMatch(/^New voice message from Zoé Durand \(\+33611223344\) \(\d+ seconds?\)$/);
  expect(mail.parsed.text).toContain('As you chose, it has been deleted from your voice mailbox.');
  expect(mail.parsed.attachments).toHaveLength(1);
  const lamp = `${u.ext}@voice-portal`;
  const deadline = Date.now() + 5000;
  while (h.double.mailboxes().get(lamp)?.newMessages !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(await h.app.messages.list(u.id)).toEqual([]);
  expect(await h.app.messages.counts(u.id)).toEqual({ newMessages: 0, oldMessages: 0 });
  expect([...h.double.storedRecordings().keys()].filter((n) => n.startsWith(`voice-portal/vm/${u.id}/`))).toEqual([]);
  const history = h.double.mailboxUpdates.filter((m) => m.name === lamp).map((m) => `${m.oldMessages}/${m.newMessages}`);
  expect(history).toEqual(['0/1', '0/0']);
  expect(await h.app.store.mailQueueLength()).toBe(0);
});

test('notify: no attachment; a user without an address or with e-mail off gets nothing', async () => {
  const notified = await newUser({ email: 'carol@example.test', mode: 'notify' });
  const silent = await newUser({ email: 'dave@example.test' }); // emailMessages off
  const noAddress = await newUser({ mode: 'attach' });
  await leaveMessage(silent.ext, 1);
  await leaveMessage(noAddress.ext, 1);
  await leaveMessage(notified.ext, 1);
  const mail = await waitForMailTo('carol@example.test');
  expect(mail.parsed.attachments).toHaveLength(0);
  expect(mail.parsed.text).toContain('Call your voice portal to listen to it.');
  expect(mailsTo('dave@example.test')).toHaveLength(0);
  expect(await h.app.store.mailQueueLength()).toBe(0);
  expect(await h.app.messages.counts(noAddress.id)).toEqual({ newMessages: 1, oldMessages: 0 });
});

test('lock: the user is told it is locked and how to unlock, in their language, never a PIN', async () => {
  const u = await newUser({ email: 'eve@example.test', language: 'fr', name: 'Ève' });
  const wrong = '917364';
  const results: string[] = [];
  for (let i = 0; i < 4; i++) results.push((await h.app.store.verifyUserPin(u.ext, wrong, u.ext)).result);
  expect(results).toEqual(['invalid', 'invalid', 'invalid', 'locked']);
  const mail = await waitForMailTo('eve@example.test');
  expect(mail.parsed.subject).toBe('Votre accès au portail vocal est verrouillé');
  expect(mail.parsed.headers.get('content-language')).toBe('fr');
  expect(mail.parsed.text).toContain('libre-service');
  expect(mail.parsed.text).toContain('administrateur');
  for (const secret of [PIN, wrong]) expect(mail.raw).not.toContain(secret);
  // A second lock attempt (already locked) sends nothing more.
  await h.app.store.verifyUserPin(u.ext, wrong, u.ext);
  await new Promise((r) => setTimeout(r, 500));
  expect(mailsTo('eve@example.test')).toHaveLength(1);
});
