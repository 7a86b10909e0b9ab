/**
 * Carrying out an import plan (plan.ts) against the store and Asterisk's recordings
 * directory. Order per mailbox, so that a crash or a second run is harmless:
 *
 * 1. the user (`importUser`: created with their PIN hashed, or left alone when already there);
 * 2. each audio file copied to `<recordings dir>/<recording name>.<ext>` (through a temporary
 *    name and a rename, never over an existing file: a name or greeting the user re-recorded
 *    since is kept);
 * 3. each message's metadata (`importMessage`: once per stable id), after its audio: at worst
 *    an orphan recording, never a listed message without audio;
 * 4. the lamp (when ARI is reachable; the application also puts every lamp right when it
 *    connects to Asterisk).
 *
 * `dryRun` reads the same sources and the store, and writes nothing.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { importedPinVerdict, type MessageCounts, type MessageStore, type Store } from '../store';
import type { ImportPlan, PlannedAudio, PlannedMailbox } from './plan';

const IMPORT_CONCURRENCY = 4;

export interface ImportDeps {
  store: Pick<Store, 'getUser' | 'importUser' | 'recordImport' | 'getPolicy'>;
  messages: Pick<MessageStore, 'importMessage' | 'get' | 'counts'>;
  recordingsDir: string;
  /** Light the user's lamp; undefined when Asterisk is not reachable from here. */
  lamp?: (extension: string, counts: MessageCounts) => Promise<void>;
  actor: string;
  locationId: string;
  dryRun: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportSummary {
  mailboxes: number;
  usersCreated: number;
  usersAlreadyThere: number;
  mailboxesSkipped: number;
  pinsKept: number;
  pinsMustChange: number;
  pinsNone: number;
  names: number;
  greetings: number;
  messagesNew: number;
  messagesSaved: number;
  messagesAlreadyThere: number;
  lampsLit: number;
  warnings: string[];
}

function copyAudio(dir: string, audio: PlannedAudio, dryRun: boolean): boolean {
  let copied = false;
  for (const [ext, source] of Object.entries(audio.files)) {
    const target = join(dir, `${audio.recordingName}.${ext}`);
    if (existsSync(target)) continue;
    copied = true;
    if (dryRun) continue;
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.import-tmp`;
    copyFileSync(source, partial);
    renameSync(partial, target);
  }
  return copied;
}

export async function runImport(plan: ImportPlan, deps: ImportDeps): Promise<ImportSummary> {
  const summary: ImportSummary = {
    mailboxes: plan.mailboxes.length + plan.skipped.length,
    usersCreated: 0,
    usersAlreadyThere: 0,
    mailboxesSkipped: plan.skipped.length,
    pinsKept: 0,
    pinsMustChange: 0,
    pinsNone: 0,
    names: 0,
    greetings: 0,
    messagesNew: 0,
    messagesSaved: 0,
    messagesAlreadyThere: 0,
    lampsLit: 0,
    warnings: [...plan.warnings, ...plan.skipped.map((s) => `mailbox ${s.mailbox}: ${s.reason}; skipped`)],
  };
  const { store, messages } = deps;
  let done = 0;
  const policy = deps.dryRun ? await store.getPolicy() : undefined;
  const importOne = async (box: PlannedMailbox): Promise<void> => {
    summary.warnings.push(...box.warnings);
    let created: boolean;
    if (deps.dryRun) {
      const existing = await store.getUser(box.user.id);
      if (existing && existing.extension !== box.user.extension) {
        summary.warnings.push(`mailbox ${box.mailbox}: user ${box.user.id} already exists with extension ${existing.extension}; skipped`);
        summary.mailboxesSkipped++;
        deps.onProgress?.(++done, plan.mailboxes.length);
        return;
      }
      created = existing === null;
      if (created && policy) {
        const verdict = importedPinVerdict(box.pin, box.user, policy);
        if (verdict === 'kept') summary.pinsKept++;
        else if (verdict === 'must-change') summary.pinsMustChange++;
        else summary.pinsNone++;
      }
    } else {
      try {
        const result = await store.importUser(box.user, box.pin, { hasName: box.name !== undefined }, deps.actor);
        created = result.created;
        if (created) {
          if (result.pin === 'kept') summary.pinsKept++;
          else if (result.pin === 'must-change') summary.pinsMustChange++;
          else summary.pinsNone++;
        }
      } catch (err) {
        summary.warnings.push(`mailbox ${box.mailbox}: ${err instanceof Error ? err.message : String(err)}; skipped`);
        summary.mailboxesSkipped++;
        deps.onProgress?.(++done, plan.mailboxes.length);
        return;
      }
    }
    if (created) summary.usersCreated++;
    else summary.usersAlreadyThere++;

    if (box.name && copyAudio(deps.recordingsDir, box.name, deps.dryRun)) summary.names++;
    for (const greeting of box.greetings) if (copyAudio(deps.recordingsDir, greeting, deps.dryRun)) summary.greetings++;

    for (const m of box.messages) {
      copyAudio(deps.recordingsDir, m, deps.dryRun);
      const details = { receivedAt: m.receivedAt, callerNumber: m.callerNumber, callerName: m.callerName, durationSec: m.durationSec };
      const isNew = deps.dryRun ? (await messages.get(box.user.id, m.id)) === null : await messages.importMessage(box.user.id, m.id, m.status, details);
      if (!isNew) summary.messagesAlreadyThere++;
      else if (m.status === 'new') summary.messagesNew++;
      else summary.messagesSaved++;
    }
    if (!deps.dryRun && deps.lamp && box.messages.length > 0) {
      try {
        await deps.lamp(box.user.extension, await messages.counts(box.user.id));
        summary.lampsLit++;
      } catch (err) {
        summary.warnings.push(`mailbox ${box.mailbox}: lamp not updated (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    deps.onProgress?.(++done, plan.mailboxes.length);
  };
  // A few mailboxes at a time: each new user costs one slow PIN hash (scrypt, off the main
  // thread), so two or more in flight use the machine's cores.
  const queue = [...plan.mailboxes];
  await Promise.all(
    Array.from({ length: Math.min(IMPORT_CONCURRENCY, queue.length) }, async () => {
      for (let box = queue.shift(); box; box = queue.shift()) await importOne(box);
    }),
  );
  if (!deps.dryRun) {
    const detail = `from app_voicemail: ${summary.usersCreated} user(s) created, ${summary.usersAlreadyThere} already there, ${summary.messagesNew + summary.messagesSaved} message(s), ${summary.pinsMustChange} PIN(s) to change`;
    await store.recordImport(deps.locationId, detail, deps.actor);
  }
  return summary;
}
