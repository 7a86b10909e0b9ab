/**
 * A message's envelope (date, time, caller number), spoken before the message and on
 * key 5: "Message received <date> at <time> from <digits>".
 *
 * ARI has no date media (`number:`, `digits:` and `characters:` only), so the date is built
 * from Asterisk's core sound files, the same ones Asterisk's own say.c uses
 * (`ast_say_date_with_format_en` / `_fr`, as app_voicemail's envelope does), all shipped by
 * asterisk-core-sounds-en and -fr:
 *
 * | part | en | fr |
 * | --- | --- | --- |
 * | weekday | `digits/day-0` (Sunday) … `day-6` | same names |
 * | day of month | ordinal: `digits/h-1` … `h-20`, `h-30`; 21-29 = `digits/20` + `h-1…9`; 31 = `digits/30` + `h-1` | `digits/h-1` ("premier") for the 1st, else `number:<d>` |
 * | month | `digits/mon-0` (January) … `mon-11` | same names |
 * | "at" | `digits/at` | `digits/at` |
 * | time | 12-hour `number:<h>`; minutes: 0 → `digits/oclock`, 1-9 → `digits/oh` + `number:<m>`, else `number:<m>`; then `digits/a-m` / `digits/p-m` | 24-hour `number:<h>`, `digits/oclock` (the fr file says "heures"), then `number:<m>` unless 0 |
 *
 * Other languages get the English order (Asterisk plays the en file when a language lacks one).
 * The date and time are those of the location's time zone.
 */
import type { VoiceMessage } from '../store';
import { promptMedia } from './prompts';

interface LocalTime {
  weekday: number; // 0 = Sunday
  day: number;
  month: number; // 0 = January
  hour: number; // 0-23
  minute: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Wall-clock parts of `ms` in `timeZone` (an unknown zone falls back to UTC). */
export function localTime(ms: number, timeZone: string): LocalTime {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
  } catch {
    return localTime(ms, 'UTC');
  }
  const parts = new Map(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    weekday: WEEKDAYS.indexOf(parts.get('weekday') ?? 'Sun'),
    day: Number(parts.get('day')),
    month: Number(parts.get('month')) - 1,
    hour: Number(parts.get('hour')) % 24,
    minute: Number(parts.get('minute')),
  };
}

const sound = (name: string): string => `sound:digits/${name}`;

function englishDayOfMonth(day: number): string[] {
  if (day < 21 || day === 30) return [sound(`h-${day}`)];
  if (day === 31) return [sound('30'), sound('h-1')];
  return [sound('20'), sound(`h-${day - 20}`)];
}

/** The media that say a date and time in `lang` (see the table above). */
export function dateTimeMedia(ms: number, timeZone: string, lang: string): string[] {
  const t = localTime(ms, timeZone);
  if (lang.toLowerCase().startsWith('fr')) {
    return [
      sound(`day-${t.weekday}`),
      t.day === 1 ? sound('h-1') : `number:${t.day}`,
      sound(`mon-${t.month}`),
      sound('at'),
      `number:${t.hour}`,
      sound('oclock'),
      ...(t.minute > 0 ? [`number:${t.minute}`] : []),
    ];
  }
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const minutes = t.minute === 0 ? [sound('oclock')] : t.minute < 10 ? [sound('oh'), `number:${t.minute}`] : [`number:${t.minute}`];
  return [
    sound(`day-${t.weekday}`),
    sound(`mon-${t.month}`),
    ...englishDayOfMonth(t.day),
    sound('at'),
    `number:${hour12}`,
    ...minutes,
    sound(t.hour < 12 ? 'a-m' : 'p-m'),
  ];
}

/** "Message received <date> at <time> [from <caller digits>]". */
export function envelopeMedia(message: Pick<VoiceMessage, 'receivedAt' | 'callerNumber'>, timeZone: string, lang: string): string[] {
  const digits = message.callerNumber.replace(/\D/g, '');
  return [
    promptMedia('message-received'),
    ...dateTimeMedia(message.receivedAt, timeZone, lang),
    ...(digits ? [promptMedia('from'), `digits:${digits}`] : []),
  ];
}
