/**
 * `import app-voicemail`: move mailboxes from Asterisk's app_voicemail (issue #16). Runs on
 * the PBX: it reads voicemail.conf and the voicemail spool, writes the audio into Asterisk's
 * recordings directory (where ARI's stored recordings live) and the users and message lists
 * into Redis. Parsing and planning are src/import/'s; this module parses options and prints.
 *
 * Never prints a PIN (the imported ones go straight to the store, which hashes them).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { planImport } from '../../import/plan';
import { runImport, type ImportSummary } from '../../import/run';
import { parseVoicemailConf } from '../../import/voicemail-conf';
import { lampMailboxName } from '../../portal/lamps';
import { NotFound } from '../../store';
import { usage } from '../errors';
import { formatTable, printJson, printLine } from '../output';
import type { Session } from '../session';
import { ariSettings, connectAsteriskMedia, openCliMessageStore, type Env } from './doctor';
import { group, withExample } from './shared';

interface ImportOptions {
  conf: string;
  spool: string;
  context: string;
  location: string;
  recordingsDir: string;
  dryRun?: boolean;
}

export const DEFAULT_RECORDINGS_DIR = '/var/spool/asterisk/recording';

function readIfExists(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** `[#####.....] 12/50 mailboxes`, redrawn in place (a terminal only). */
function progressBar(stream: NodeJS.WritableStream): (done: number, total: number) => void {
  const width = 30;
  return (done, total) => {
    const filled = total === 0 ? width : Math.round((done / total) * width);
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} mailboxes${done === total ? '\n' : ''}`);
  };
}

function summaryRows(s: ImportSummary, dryRun: boolean): string[][] {
  const would = (text: string): string => (dryRun ? `would be ${text}` : text);
  return [
    ['mailboxes in the context', String(s.mailboxes), ''],
    [would('users created'), String(s.usersCreated), ''],
    ['users already there (unchanged)', String(s.usersAlreadyThere), ''],
    ['mailboxes skipped', String(s.mailboxesSkipped), s.mailboxesSkipped > 0 ? 'see the warnings' : ''],
    ['PINs kept', String(s.pinsKept), ''],
    ['PINs to change at the first call', String(s.pinsMustChange), 'fail the PIN policy or equal the mailbox number'],
    ['users without a PIN', String(s.pinsNone), s.pinsNone > 0 ? 'not digits: set one with user set-pin or user reset-pin' : ''],
    [would('names imported'), String(s.names), ''],
    [would('greetings imported'), String(s.greetings), 'busy and unavailable'],
    [would('new messages imported'), String(s.messagesNew), ''],
    [would('saved messages imported'), String(s.messagesSaved), 'Old and the other folders'],
    ['messages already there', String(s.messagesAlreadyThere), ''],
    ['lamps lit', String(s.lampsLit), ''],
    ['warnings', String(s.warnings.length), ''],
  ];
}

export function registerImport(program: Command, session: Session, env: Env): void {
  const cmd = group(program, 'import', 'import mailboxes from another voicemail system');
  withExample(cmd, 'voice-portal-admin import app-voicemail --conf /etc/asterisk/voicemail.conf --spool /var/spool/asterisk/voicemail --location paris --dry-run');
  withExample(
    cmd
      .command('app-voicemail')
      .description(
        "import Asterisk app_voicemail mailboxes: users (id and extension = mailbox number, name, e-mail, language), their PINs (hashed; a PIN failing the policy or equal to the mailbox must be changed), names, greetings and messages; idempotent; run it on the PBX",
      )
      .requiredOption('--conf <file>', 'voicemail.conf (its #include files are read too)')
      .requiredOption('--spool <dir>', 'the voicemail spool, e.g. /var/spool/asterisk/voicemail')
      .option('--context <name>', 'the voicemail context to import', 'default')
      .requiredOption('--location <loc>', 'the location the users join (must exist)')
      .option('--recordings-dir <dir>', "Asterisk's recordings directory (ARI stored recordings)", DEFAULT_RECORDINGS_DIR)
      .option('--dry-run', 'read everything and print what would be done; change nothing')
      .action(async (options: ImportOptions, command: Command) => {
        const confPath = resolve(options.conf);
        if (readIfExists(confPath) === undefined) throw usage(`cannot read ${options.conf}`);
        const parsed = parseVoicemailConf(confPath, readIfExists);
        const store = options.dryRun ? await session.store() : await session.writableStore();
        if (!(await store.getLocation(options.location))) throw new NotFound(`no location ${options.location}`);
        const plan = planImport(parsed.mailboxes, options.context, options.location, resolve(options.spool));
        plan.warnings.unshift(...parsed.warnings);
        if (plan.mailboxes.length + plan.skipped.length === 0) plan.warnings.push(`no mailbox in context [${options.context}]`);

        const messages = openCliMessageStore(env, command);
        const settings = options.dryRun ? null : ariSettings(env);
        let media: Awaited<ReturnType<typeof connectAsteriskMedia>> | undefined;
        const notes: string[] = [];
        try {
          if (settings) {
            try {
              media = await connectAsteriskMedia(settings);
            } catch (err) {
              notes.push(`lamps not lit (${err instanceof Error ? err.message : String(err)}); the application lights them when it connects to Asterisk`);
            }
          } else if (!options.dryRun) {
            notes.push('lamps not lit here (no ARI_URL); the application lights them when it connects to Asterisk');
          }
          const stderr = session.streams.stderr as NodeJS.WritableStream & { isTTY?: boolean };
          const summary = await runImport(plan, {
            store,
            messages,
            recordingsDir: resolve(options.recordingsDir),
            ...(media ? { lamp: (extension: string, counts) => (media as NonNullable<typeof media>).lamps.update(lampMailboxName(extension), counts) } : {}),
            actor: session.actor,
            locationId: options.location,
            dryRun: Boolean(options.dryRun),
            ...(stderr.isTTY && !session.json ? { onProgress: progressBar(stderr) } : {}),
          });
          if (session.json) {
            printJson(session.out, { dryRun: Boolean(options.dryRun), context: options.context, location: options.location, summary, notes });
            return;
          }
          for (const warning of summary.warnings) printLine(session.out, `warning: ${warning}`);
          printLine(session.out, options.dryRun ? 'Dry run: nothing was changed.' : `Imported from app_voicemail context [${options.context}] into location ${options.location}.`);
          printLine(session.out, formatTable(['WHAT', 'COUNT', 'NOTE'], summaryRows(summary, Boolean(options.dryRun))));
          for (const note of notes) printLine(session.out, `note: ${note}`);
        } finally {
          media?.close();
          await messages.close();
        }
      }),
    'voice-portal-admin import app-voicemail --conf /etc/asterisk/voicemail.conf --spool /var/spool/asterisk/voicemail --context default --location paris --dry-run',
    'voice-portal-admin import app-voicemail --conf /etc/asterisk/voicemail.conf --spool /var/spool/asterisk/voicemail --context default --location paris',
  );
}
