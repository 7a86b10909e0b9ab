/**
 * The e-mails' words (issue #16), in the user's language (en, fr; anything else falls back to
 * English). Pure: the worker gives the facts, this returns subject and text. Nothing here
 * ever receives a PIN.
 *
 * Caller names come from the caller ID, i.e. from whoever called: control characters are
 * removed and the length bounded before they go into a subject line.
 */
export type MailLanguage = 'en' | 'fr';

export function mailLanguage(lang: string | undefined): MailLanguage {
  return lang?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export interface RenderedMail {
  subject: string;
  text: string;
  language: MailLanguage;
}

export interface MessageMailFacts {
  language: string | undefined;
  /** The mailbox owner's name, when known. */
  userName?: string;
  extension: string;
  callerNumber: string;
  callerName: string;
  receivedAt: number;
  /** IANA time zone of the user's location. */
  timeZone: string;
  durationSec: number;
  /** The audio is attached. */
  attached: boolean;
  /** The message was removed from the mailbox after this e-mail (attach-delete). */
  deleted: boolean;
}

export interface LockMailFacts {
  language: string | undefined;
  userName?: string;
  extension: string;
}

/** Printable, one line, bounded: safe for a subject line and a text body. */
export function cleanCallerText(text: string, max = 60): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || (code >= 0x7f && code < 0xa0) ? ' ' : ch;
  }
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function callerText(facts: MessageMailFacts, lang: MailLanguage): string {
  const number = cleanCallerText(facts.callerNumber, 30);
  const name = cleanCallerText(facts.callerName);
  if (!number && !name) return lang === 'fr' ? 'un correspondant inconnu' : 'an unknown caller';
  if (name && number && name !== number) return `${name} (${number})`;
  return name || number;
}

export function durationText(seconds: number, lang: MailLanguage): string {
  const total = Math.max(0, Math.round(seconds));
  const min = Math.floor(total / 60);
  const sec = total % 60;
  const unit = (n: number, en: string, fr: string): string => `${n} ${lang === 'fr' ? fr : en}${n > 1 ? 's' : ''}`;
  const parts = [...(min > 0 ? [unit(min, 'minute', 'minute')] : []), ...(sec > 0 || min === 0 ? [unit(sec, 'second', 'seconde')] : [])];
  return parts.join(' ');
}

export function timeText(ms: number, timeZone: string, lang: MailLanguage): string {
  const format = (tz: string): string =>
    new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: tz }).format(new Date(ms));
  try {
    return format(timeZone);
  } catch {
    return `${format('UTC')} UTC`;
  }
}

export function renderMessageMail(facts: MessageMailFacts): RenderedMail {
  const lang = mailLanguage(facts.language);
  const caller = callerText(facts, lang);
  const when = timeText(facts.receivedAt, facts.timeZone, lang);
  const duration = durationText(facts.durationSec, lang);
  if (lang === 'fr') {
    const lines = [
      facts.userName ? `Bonjour ${facts.userName},` : 'Bonjour,',
      '',
      `Vous avez reçu un nouveau message vocal sur votre poste ${facts.extension}.`,
      '',
      `De : ${caller}`,
      `Reçu le : ${when}`,
      `Durée : ${duration}`,
      '',
      facts.attached ? 'Le message est joint à ce courriel (fichier WAV).' : 'Écoutez-le en appelant votre portail vocal.',
      ...(facts.deleted ? ['Comme vous l’avez choisi, il a été supprimé de votre messagerie vocale.'] : []),
      '',
      '-- ',
      'Portail vocal',
    ];
    return { language: lang, subject: `Nouveau message vocal de ${caller} (${duration})`, text: lines.join('\n') };
  }
  const lines = [
    facts.userName ? `Hello ${facts.userName},` : 'Hello,',
    '',
    `You have a new voice message on extension ${facts.extension}.`,
    '',
    `From: ${caller}`,
    `Received: ${when}`,
    `Length: ${duration}`,
    '',
    facts.attached ? 'The message is attached to this e-mail (WAV file).' : 'Call your voice portal to listen to it.',
    ...(facts.deleted ? ['As you chose, it has been deleted from your voice mailbox.'] : []),
    '',
    '-- ',
    'Voice portal',
  ];
  return { language: lang, subject: `New voice message from ${caller} (${duration})`, text: lines.join('\n') };
}

export function renderLockMail(facts: LockMailFacts): RenderedMail {
  const lang = mailLanguage(facts.language);
  if (lang === 'fr') {
    const lines = [
      facts.userName ? `Bonjour ${facts.userName},` : 'Bonjour,',
      '',
      `Votre accès au portail vocal (poste ${facts.extension}) est verrouillé : trop de codes secrets erronés ont été saisis à la suite.`,
      'Vos messages sont conservés et votre messagerie continue de recevoir des messages.',
      '',
      'Pour déverrouiller votre accès :',
      '- choisissez un nouveau code secret dans vos paramètres utilisateur (libre-service) : il fonctionne immédiatement ;',
      '- ou demandez à votre administrateur de groupe de réinitialiser votre code secret.',
      '',
      'Si vous n’êtes pas à l’origine de ces essais, prévenez votre administrateur.',
      '',
      '-- ',
      'Portail vocal',
    ];
    return { language: lang, subject: 'Votre accès au portail vocal est verrouillé', text: lines.join('\n') };
  }
  const lines = [
    facts.userName ? `Hello ${facts.userName},` : 'Hello,',
    '',
    `Your voice portal access (extension ${facts.extension}) is locked: too many wrong passcodes were entered in a row.`,
    'Your messages are kept, and your mailbox still takes new messages.',
    '',
    'To unlock it:',
    '- set a new passcode in your user settings (self-service): it works at once;',
    '- or ask your group administrator to reset your passcode.',
    '',
    'If these attempts were not yours, tell your administrator.',
    '',
    '-- ',
    'Voice portal',
  ];
  return { language: lang, subject: 'Your voice portal access is locked', text: lines.join('\n') };
}
