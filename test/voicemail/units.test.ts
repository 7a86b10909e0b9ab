/** The pieces of voicemail that need no call: envelope media, lamps, the message store's limits. */
import type { MessageWaiting } from '../../src/ari';
import { silentLogger } from '../../src/log';
import { dateTimeMedia, envelopeMedia } from '../../src/portal/envelope';
import { Lamps } from '../../src/portal/lamps';
import { openMessageStore, type MessageCounts, type MessageStore } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';

describe('envelope (date and time from Asterisk core sounds)', () => {
  const monday = Date.UTC(2026, 2, 2, 8, 5); // Monday 2 March 2026 09:05 in Paris (UTC+1)
  const friday = Date.UTC(2026, 6, 31, 20, 0); // Friday 31 July 2026 22:00 in Paris (UTC+2)
  const lateFriday = Date.UTC(2026, 0, 22, 23, 30); // already Friday 23 January 00:30 in Paris

  test('English: weekday, month, ordinal day, at, 12-hour time, a.m./p.m.', () => {
    expect(dateTimeMedia(monday, 'Europe/Paris', 'en')).toEqual([
      'sound:digits/day-1',
      'sound:digits/mon-2',
      'sound:digits/h-2',
      'sound:digits/at',
      'number:9',
      'sound:digits/oh',
      'number:5',
      'sound:digits/a-m',
    ]);
    expect(dateTimeMedia(friday, 'Europe/Paris', 'en')).toEqual([
      'sound:digits/day-5',
      'sound:digits/mon-6',
      'sound:digits/30',
      'sound:digits/h-1',
      'sound:digits/at',
      'number:10',
      'sound:digits/oclock',
      'sound:digits/p-m',
    ]);
    expect(dateTimeMedia(lateFriday, 'Europe/Paris', 'en')).toEqual([
      'sound:digits/day-5',
      'sound:digits/mon-0',
      'sound:digits/20',
      'sound:digits/h-3',
      'sound:digits/at',
      'number:12',
      'number:30',
      'sound:digits/a-m',
    ]);
  });

  test('the location time zone decides the date', () => {
    expect(dateTimeMedia(lateFriday, 'UTC', 'en').slice(0, 4)).toEqual(['sound:digits/day-4', 'sound:digits/mon-0', 'sound:digits/20', 'sound:digits/h-2']);
  });

  test('French: weekday, day number ("premier" for the 1st), month, à, 24-hour "heures", minutes', () => {
    expect(dateTimeMedia(monday, 'Europe/Paris', 'fr')).toEqual([
      'sound:digits/day-1',
      'number:2',
      'sound:digits/mon-2',
      'sound:digits/at',
      'number:9',
      'sound:digits/oclock',
      'number:5',
    ]);
    expect(dateTimeMedia(Date.UTC(2026, 4, 1, 16, 0), 'Europe/Paris', 'fr')).toEqual([
      'sound:digits/day-5',
      'sound:digits/h-1',
      'sound:digits/mon-4',
      'sound:digits/at',
      'number:18',
      'sound:digits/oclock',
    ]);
  });

  test('the envelope names the caller by digits, and leaves out an anonymous caller', () => {
    const date = dateTimeMedia(monday, 'Europe/Paris', 'en');
    expect(envelopeMedia({ receivedAt: monday, callerNumber: '+33 1 44' }, 'Europe/Paris', 'en')).toEqual([
      'sound:voice-portal/message-received',
      ...date,
      'sound:voice-portal/from',
      'digits:33144',
    ]);
    expect(envelopeMedia({ receivedAt: monday, callerNumber: '' }, 'Europe/Paris', 'en')).toEqual(['sound:voice-portal/message-received', ...date]);
  });
});

describe('lamps', () => {
  function recordingLogger(): { logger: ReturnType<typeof silentLogger>; lines: { level: string; message: string }[] } {
    const logger = silentLogger();
    const lines: { level: string; message: string }[] = [];
    for (const level of ['warn', 'info', 'debug'] as const) {
      logger[level] = ((message: string) => {
        lines.push({ level, message });
        return logger;
      }) as typeof logger.warn;
    }
    return { logger, lines };
  }

  test('a failing lamp never throws, warns once, and says when lamps work again', async () => {
    let fail = true;
    const sent: string[] = [];
    const mwi: MessageWaiting = {
      async update(mailbox, counts) {
        if (fail) throw new Error('{"message":"Mailbox is does not exist"}');
        sent.push(`${mailbox} ${counts.oldMessages}/${counts.newMessages}`);
      },
    };
    const { logger, lines } = recordingLogger();
    const lamps = new Lamps(mwi, async (): Promise<MessageCounts> => ({ newMessages: 2, oldMessages: 1 }), logger);
    await expect(lamps.refresh({ id: 'a', extension: '1001' })).resolves.toBeUndefined();
    await lamps.refresh({ id: 'b', extension: '1002' });
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    fail = false;
    await lamps.refresh({ id: 'a', extension: '1001' });
    expect(sent).toEqual(['1001@voice-portal 1/2']);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'debug', 'info']);
  });

  test('updates of one mailbox go out in order, each with the counts of its turn', async () => {
    let counts: MessageCounts = { newMessages: 1, oldMessages: 0 };
    const sent: string[] = [];
    const mwi: MessageWaiting = {
      async update(_mailbox, c) {
        await new Promise((r) => setTimeout(r, 5));
        sent.push(`${c.oldMessages}/${c.newMessages}`);
      },
    };
    const lamps = new Lamps(mwi, async () => counts, silentLogger());
    const first = lamps.refresh({ id: 'a', extension: '1001' });
    counts = { newMessages: 0, oldMessages: 1 };
    const second = lamps.refresh({ id: 'a', extension: '1001' });
    await Promise.all([first, second]);
    expect(sent[sent.length - 1]).toBe('1/0');
  });
});

describe('message store', () => {
  let redis: TestRedis;
  let messages: MessageStore;
  beforeAll(async () => {
    redis = await startTestRedis();
    messages = openMessageStore({ redis: { url: redis.url } });
  });
  afterAll(async () => {
    await messages?.close();
    await redis?.stop();
  });

  test('reservations count against the limit, even when deposits race', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => messages.reserve('racer', { maxMessages: 3, staleAfterMs: 60_000 })));
    expect(results.filter((r) => r.result === 'ok')).toHaveLength(3);
    const ok = results.flatMap((r) => (r.result === 'ok' ? [r.messageId] : []));
    await messages.release('racer', ok[0]!);
    await messages.commit('racer', ok[1]!, { receivedAt: 1, callerNumber: '', callerName: '', durationSec: 2 });
    expect(await messages.pending('racer')).toEqual([ok[2]]);
    expect(await messages.counts('racer')).toEqual({ newMessages: 1, oldMessages: 0 });
    expect((await messages.reserve('racer', { maxMessages: 3, staleAfterMs: 60_000 })).result).toBe('ok');
    expect((await messages.reserve('racer', { maxMessages: 3, staleAfterMs: 60_000 })).result).toBe('full');
  });

  test('an abandoned reservation stops counting once stale', async () => {
    await messages.reserve('stale', { maxMessages: 1, staleAfterMs: 1000, now: 1_000 });
    expect((await messages.reserve('stale', { maxMessages: 1, staleAfterMs: 1000, now: 1_500 })).result).toBe('full');
    expect((await messages.reserve('stale', { maxMessages: 1, staleAfterMs: 1000, now: 5_000 })).result).toBe('ok');
  });

  test('status and removal keep lists and counts together', async () => {
    const r = await messages.reserve('flags', { maxMessages: 5, staleAfterMs: 60_000 });
    if (r.result !== 'ok') throw new Error('full');
    await messages.commit('flags', r.messageId, { receivedAt: 10, callerNumber: '1002', callerName: 'B', durationSec: 4 });
    expect(await messages.setStatus('flags', r.messageId, 'saved')).toEqual({ changed: true, counts: { newMessages: 0, oldMessages: 1 } });
    expect(await messages.setStatus('flags', r.messageId, 'saved')).toEqual({ changed: false, counts: { newMessages: 0, oldMessages: 1 } });
    expect(await messages.remove('flags', r.messageId)).toEqual({ removed: true, counts: { newMessages: 0, oldMessages: 0 } });
    expect(await messages.remove('flags', r.messageId)).toEqual({ removed: false, counts: { newMessages: 0, oldMessages: 0 } });
    expect(await messages.setStatus('flags', r.messageId, 'new')).toEqual({ changed: false, counts: { newMessages: 0, oldMessages: 0 } });
    expect(await messages.usersWithMessages()).toContain('racer');
  });
});
