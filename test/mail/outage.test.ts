/**
 * Issue #16: a mail-server outage delays e-mail and loses none. The mail worker runs on an
 * injected clock; the SMTP server (real, STARTTLS + AUTH) is down for a minute of that
 * clock, then comes up on the same port: every queued e-mail is delivered exactly once.
 * A server that never comes back: the worker gives up after its retries and the audit
 * trail says so.
 */
import { silentLogger } from '../../src/log';
import { createSmtpTransport, MailWorker, type MailClock } from '../../src/mail';
import { openMessageStore, openStore, type MessageStore, type Store } from '../../src/store';
import { countingHasher, PEPPER } from '../store/helpers';
import { startTestRedis, type TestRedis } from '../support/redis';
import { freeLoopbackPort, startTestSmtp, type TestSmtp } from '../support/smtp';

/** Time moves only when the test says so; the worker's sleeps end when their time comes. */
class ManualClock implements MailClock {
  private sleepers: { until: number; resolve: () => void }[] = [];
  /** How many times the worker went to sleep: a round is over when this grows. */
  sleeps = 0;
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.sleeps++;
      if (signal.aborted) return resolve();
      const sleeper = { until: this.t + ms, resolve };
      this.sleepers.push(sleeper);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.until <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.until > this.t);
    for (const s of due) s.resolve();
  }
}

let redis: TestRedis;
let store: Store;
let messages: MessageStore;
const logger = silentLogger();

beforeAll(async () => {
  redis = await startTestRedis();
  store = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger, hasher: countingHasher(), mailLockNotifications: true });
  messages = openMessageStore({ redis: { url: redis.url } });
  await store.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'Europe/Paris' }, 'test');
}, 120_000);

afterAll(async () => {
  await messages?.close();
  await store?.close();
  await redis?.stop();
});

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function workerFor(smtp: Pick<TestSmtp, 'url' | 'caFile'>, clock: ManualClock, retryDelaysMs?: number[]): MailWorker {
  return new MailWorker({
    store,
    messages,
    audio: () => Promise.reject(new Error('no audio in this test')),
    removeRecording: () => Promise.resolve(),
    refreshLamp: () => Promise.resolve(),
    transport: createSmtpTransport({ url: smtp.url, from: 'voicemail@example.test', caFile: smtp.caFile, requireTls: true }),
    logger,
    clock,
    ...(retryDelaysMs ? { retryDelaysMs } : {}),
  });
}

/** `count` users with an address; a message for each of the first half (notify), a lock e-mail for the others. */
async function queueMails(prefix: string, count: number): Promise<string[]> {
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${i}`;
    const email = `${id}@example.test`;
    addresses.push(email);
    await store.createUser({ id, locationId: 'paris', extension: `${prefix === 'a' ? 61 : 62}${String(i).padStart(2, '0')}`, email, emailMessages: 'notify' }, 'test');
    if (i % 2 === 0) {
      const r = await messages.reserve(id, { maxMessages: 10, staleAfterMs: 60_000 });
      if (r.result !== 'ok') throw new Error('full');
      await messages.commit(id, r.messageId, { receivedAt: Date.now(), callerNumber: '+33155667788', callerName: '', durationSec: 4 });
      expect(await store.enqueueMessageMail(id, r.messageId)).toBe(true);
      // Asked twice (a retried deposit): still one e-mail.
      expect(await store.enqueueMessageMail(id, r.messageId)).toBe(false);
    } else {
      expect(await store.enqueueLockMail(id)).toBe(true);
    }
  }
  return addresses;
}

test('server down for a minute of the worker clock, then up: every e-mail delivered exactly once', async () => {
  const port = await freeLoopbackPort();
  const smtp = await startTestSmtp({ port, listen: false }); // down: the port refuses connections
  const clock = new ManualClock(Date.now());
  const start = clock.now();
  const addresses = await queueMails('a', 6);
  const worker = workerFor(smtp, clock);
  worker.start();
  try {
    const deliveredAt: number[] = [];
    for (let step = 0; step < 200 && smtp.received.length < addresses.length; step++) {
      await until(() => worker.isWaiting, 'the worker waits');
      const elapsed = clock.now() - start;
      if (elapsed >= 60_000) await smtp.start(); // the outage is over
      const before = smtp.received.length;
      const sleeps = clock.sleeps;
      clock.advance(5_000);
      // Let the round run: it is over when the worker sleeps again.
      await until(() => clock.sleeps > sleeps, 'the round ends');
      for (let i = before; i < smtp.received.length; i++) deliveredAt.push(clock.now() - start);
    }
    expect(smtp.received.map((m) => m.envelopeTo[0]).sort()).toEqual([...addresses].sort());
    expect(deliveredAt.every((t) => t >= 60_000)).toBe(true);
    expect(smtp.received.every((m) => m.secure)).toBe(true);
    expect(await store.mailQueueLength()).toBe(0);

    // And nothing more afterwards: no duplicates, whatever time passes.
    for (let i = 0; i < 5; i++) {
      const sleeps = clock.sleeps;
      clock.advance(60 * 60_000);
      await until(() => clock.sleeps > sleeps, 'the round ends');
    }
    expect(smtp.received).toHaveLength(addresses.length);
    expect((await store.readAudit({ limit: 1000 })).filter((e) => e.type === 'mail-failed')).toEqual([]);
  } finally {
    await worker.stop();
    await smtp.close();
  }
});

test('a server that never comes back: after the last retry the e-mail is dropped and audited', async () => {
  const port = await freeLoopbackPort();
  const clock = new ManualClock(Date.now());
  await store.createUser({ id: 'gone', locationId: 'paris', extension: '6300', email: 'gone@example.test' }, 'test');
  await store.enqueueLockMail('gone');
  const worker = workerFor({ url: `smtp://u:p@127.0.0.1:${port}`, caFile: '' }, clock, [1000, 1000]);
  worker.start();
  try {
    for (let step = 0; step < 50 && (await store.mailQueueLength()) > 0; step++) {
      await until(() => worker.isWaiting, 'the worker waits');
      const sleeps = clock.sleeps;
      clock.advance(1000);
      await until(() => clock.sleeps > sleeps, 'the round ends');
    }
    await until(async () => (await store.readAudit({ userId: 'gone' })).some((e) => e.type === 'mail-failed'), 'the audit entry');
    const [failed] = (await store.readAudit({ userId: 'gone' })).filter((e) => e.type === 'mail-failed');
    expect(failed).toMatchObject({ actor: 'system:mail', locationId: 'paris', outcome: 'locked', detail: expect.stringMatching(/^3 attempt\(s\): .*ECONNREFUSED/) });
    expect(await store.mailQueueLength()).toBe(0);
  } finally {
    await worker.stop();
  }
});
