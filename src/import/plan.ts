/**
 * From what app_voicemail left (voicemail.conf + spool) to what the import will create:
 * one entry per mailbox of the chosen context, with the user, the PIN (clear text, handed
 * to the store only, which hashes it), the name and greetings, and every message with a
 * stable id (so a second run finds what the first one created).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { recordingNames } from '../portal/recording-names';
import { messageRecordingName, requireEmail, type MessageStatus, type NewUser } from '../store';
import { parseEnvelope, wavDurationSec, type MessageEnvelope } from './envelope';
import { NEW_FOLDERS, scanMailbox, type SpoolAudio, type SpoolMailbox } from './spool';
import type { ConfMailbox } from './voicemail-conf';

export interface PlannedAudio {
  /** The stored recording it becomes (`voice-portal/names/1001`). */
  recordingName: string;
  /** extension → source file */
  files: Record<string, string>;
}

export interface PlannedMessage extends PlannedAudio {
  id: string;
  status: MessageStatus;
  receivedAt: number;
  callerNumber: string;
  callerName: string;
  durationSec: number;
}

export interface PlannedMailbox {
  mailbox: string;
  source: string;
  user: NewUser & { id: string };
  /** Clear text from voicemail.conf: only ever passed to the store. */
  pin: string;
  name?: PlannedAudio;
  greetings: PlannedAudio[];
  messages: PlannedMessage[];
  warnings: string[];
}

export interface ImportPlan {
  mailboxes: PlannedMailbox[];
  /** Mailboxes that cannot become users (id or extension not usable), with the reason. */
  skipped: { mailbox: string; reason: string }[];
  warnings: string[];
}

/** Stable message id: the time it was left, then a digest of where it came from. */
export function importedMessageId(receivedAt: number, origin: string): string {
  return `${Math.max(0, Math.floor(receivedAt)).toString(36)}-${createHash('sha256').update(origin).digest('hex').slice(0, 8)}`;
}

function clean(text: string, max: number): string {
  let out = '';
  for (const ch of text) out += (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f' ? ' ' : ch;
  return out.replace(/\s+/g, ' ').trim().slice(0, max);
}

function language(options: Record<string, string>): string | undefined {
  const lang = (options.language ?? '').toLowerCase();
  if (lang.startsWith('fr')) return 'fr';
  if (lang.startsWith('en')) return 'en';
  return undefined;
}

function planAudio(recordingName: string, audio: SpoolAudio | undefined): PlannedAudio | undefined {
  return audio ? { recordingName, files: audio.files } : undefined;
}

function readEnvelope(path: string | undefined, warnings: string[]): MessageEnvelope | undefined {
  if (!path) return undefined;
  try {
    return parseEnvelope(readFileSync(path));
  } catch (err) {
    warnings.push(`${path}: unreadable envelope (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

function durationFromAudio(files: Record<string, string>): number | undefined {
  const wav = files.wav ?? files.wav16;
  if (!wav) return undefined;
  try {
    return wavDurationSec(readFileSync(wav));
  } catch {
    return undefined;
  }
}

export function planMailbox(conf: ConfMailbox, locationId: string, spoolDir: string): PlannedMailbox | { skip: string } {
  const id = conf.mailbox;
  if (!/^\d{2,15}$/.test(id)) return { skip: 'the mailbox number is not an extension (2 to 15 digits)' };
  const warnings: string[] = [];
  let email: string | undefined;
  if (conf.email) {
    try {
      email = requireEmail(conf.email);
    } catch {
      warnings.push(`mailbox ${id}: e-mail "${clean(conf.email, 80)}" is not an address; imported without one`);
    }
  }
  const displayName = clean(conf.fullName, 100);
  const lang = language(conf.options);
  const user: NewUser & { id: string } = {
    id,
    locationId,
    extension: id,
    ...(displayName ? { displayName } : {}),
    ...(email ? { email } : {}),
    ...(lang ? { language: lang } : {}),
    // app_voicemail's attach=yes (with delete=yes) is the closest to our choices.
    ...(email ? { emailMessages: conf.options.attach === 'yes' ? (conf.options.delete === 'yes' ? 'attach-delete' : 'attach') : 'notify' } : {}),
  };
  const spool: SpoolMailbox = scanMailbox(spoolDir, conf.context, id);
  const name = planAudio(recordingNames.personalName(id), spool.name);
  const greetings = [planAudio(recordingNames.userGreeting(id, 'busy'), spool.busy), planAudio(recordingNames.userGreeting(id, 'unavailable'), spool.unavailable)].filter(
    (g): g is PlannedAudio => g !== undefined,
  );
  if (spool.temporary) warnings.push(`mailbox ${id}: the temporary greeting (temp) has no equivalent here; not imported`);
  const messages: PlannedMessage[] = [];
  for (const m of spool.messages) {
    const where = `${conf.context}/${id}/${m.folder}/${m.base}`;
    if (Object.keys(m.files).length === 0) {
      warnings.push(`${where}: envelope without audio; skipped`);
      continue;
    }
    const envelope = readEnvelope(m.envelope, warnings);
    if (!m.envelope) warnings.push(`${where}: no .txt envelope; time from the file, caller unknown`);
    const receivedAt = envelope?.origTime !== undefined ? envelope.origTime * 1000 : Math.floor(m.mtimeMs);
    const origin = `${conf.context}/${id}/${envelope?.msgId ?? `${m.folder}/${m.base}`}`;
    const messageId = importedMessageId(receivedAt, origin);
    messages.push({
      id: messageId,
      recordingName: messageRecordingName(id, messageId),
      files: m.files,
      status: NEW_FOLDERS.has(m.folder) ? 'new' : 'saved',
      receivedAt,
      callerNumber: clean(envelope?.callerNumber ?? '', 40),
      callerName: clean(envelope?.callerName ?? '', 80),
      durationSec: envelope?.durationSec ?? durationFromAudio(m.files) ?? 0,
    });
  }
  if (!spool.exists) warnings.push(`mailbox ${id}: no spool directory ${spool.dir}`);
  return { mailbox: id, source: conf.source, user, pin: conf.password, ...(name ? { name } : {}), greetings, messages, warnings };
}

export function planImport(mailboxes: ConfMailbox[], context: string, locationId: string, spoolDir: string): ImportPlan {
  const plan: ImportPlan = { mailboxes: [], skipped: [], warnings: [] };
  const seen = new Set<string>();
  for (const conf of mailboxes) {
    if (conf.context !== context) continue;
    if (seen.has(conf.mailbox)) {
      plan.warnings.push(`${conf.source}: mailbox ${conf.mailbox} defined again; the first definition is used`);
      continue;
    }
    seen.add(conf.mailbox);
    const planned = planMailbox(conf, locationId, spoolDir);
    if ('skip' in planned) plan.skipped.push({ mailbox: conf.mailbox, reason: planned.skip });
    else plan.mailboxes.push(planned);
  }
  return plan;
}
