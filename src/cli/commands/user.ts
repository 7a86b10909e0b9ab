/**
 * `user add | list | show | set | remove | reset-pin | set-pin | unlock`; what each PIN operation
 * leaves behind is the table in docs/admin-guide.md ("What each operation leaves behind").
 *
 * The only PIN this module ever prints is a random one-time PIN, once, from the command that
 * created it (`user add --random-pin`, `user reset-pin --random-pin`).
 */
import { Option, type Command } from 'commander';
import { EMAIL_MESSAGES_MODES, NotFound, type EmailMessagesMode, type Store, type User, type UserChanges } from '../../store';
import { usage } from '../errors';
import { e164Option, extensionOption } from '../parse';
import { formatFields, humanTime, pinState, printJson, printLine, printTable, userFields, userJson, type Column } from '../output';
import { readNewSecret } from '../pin-input';
import type { Session } from '../session';
import { LANGUAGES } from './location';
import { group, withExample } from './shared';

interface AddOptions {
  location: string;
  extension: string;
  number?: string;
  name?: string;
  language?: string;
  randomPin?: boolean;
  email?: string;
  emailMessages?: EmailMessagesMode;
}

/** `user set` options: a value, `false` for the --no-… form (remove), or absent (unchanged). */
interface SetOptions {
  extension?: string;
  number?: string | false;
  name?: string | false;
  language?: string | false;
  location?: string;
  /** An address, or `none` to remove it. */
  email?: string;
  emailMessages?: EmailMessagesMode;
}

function userChanges(options: SetOptions): UserChanges {
  const orNull = (value: string | false): string | null => (value === false ? null : value);
  return {
    ...(options.extension !== undefined ? { extension: options.extension } : {}),
    ...(options.number !== undefined ? { number: orNull(options.number) } : {}),
    ...(options.name !== undefined ? { displayName: orNull(options.name) } : {}),
    ...(options.language !== undefined ? { language: orNull(options.language) } : {}),
    ...(options.location !== undefined ? { locationId: options.location } : {}),
    ...(options.email !== undefined ? { email: options.email.trim().toLowerCase() === 'none' ? null : options.email } : {}),
    ...(options.emailMessages !== undefined ? { emailMessages: options.emailMessages } : {}),
  };
}

const EMAIL_MESSAGES_HELP = 'what a new voice message sends to the e-mail address: off, notify, attach (the audio), attach-delete (attach, then delete it from the mailbox)';

/** `user list`: the usual columns, and with `-o wide` the language, creation and PIN-change times. */
const USER_COLUMNS: Column<User>[] = [
  { header: 'ID', value: (u) => u.id },
  { header: 'EXTENSION', value: (u) => u.extension },
  { header: 'NUMBER', value: (u) => u.number ?? '-' },
  { header: 'LOCATION', value: (u) => u.locationId },
  { header: 'PIN', value: (u) => pinState(u) },
  { header: 'STATE', value: (u) => (u.lockedSince === undefined ? 'open' : 'LOCKED'), style: (u) => (u.lockedSince === undefined ? undefined : 'alert') },
  { header: 'FAILURES', value: (u) => String(u.failures) },
  { header: 'LANG', value: (u) => u.language ?? '-', wide: true },
  { header: 'CREATED', value: (u) => humanTime(u.createdAt), wide: true },
  { header: 'PIN CHANGED', value: (u) => humanTime(u.pinChangedAt), wide: true },
  { header: 'LOCKED SINCE', value: (u) => humanTime(u.lockedSince), wide: true },
  { header: 'NAME', value: (u) => u.displayName ?? '' },
];

/** What the user's PIN is after add/reset, as the --json `pin` field says it. */
type PinOutcome = 'default' | 'none' | 'one-time';

async function requireUser(store: Store, id: string): Promise<User> {
  const user = await store.getUser(id);
  if (!user) throw new NotFound(`no user ${id}`);
  return user;
}

function oneTimePinNotice(userId: string, pin: string): string {
  return `One-time PIN for ${userId}: ${pin}\n(shown only this once; the user must change it at the first call)`;
}

function pinOutcomeText(outcome: PinOutcome): string {
  switch (outcome) {
    case 'default':
      return 'PIN: the default PIN, to be changed at the first call.';
    case 'none':
      return 'PIN: none (no default PIN is set): the user must set one through self-service (user set-pin) before calling.';
    case 'one-time':
      return '';
  }
}

export function registerUser(program: Command, session: Session): void {
  const cmd = group(program, 'user', 'users (mailboxes) and their PINs');
  withExample(cmd, 'voice-portal-admin user list --locked');

  withExample(
    cmd
      .command('add')
      .description('add a user; they start with the default PIN (if one is set) or a random one-time PIN (--random-pin)')
      .argument('<id>', 'user id (letters, digits, _ . -)')
      .requiredOption('--location <loc>', 'location id')
      .requiredOption('--extension <ext>', 'extension (digits, unique in the organisation)', extensionOption)
      .option('--number <e164>', 'phone number (E.164, e.g. +33612345678)', e164Option)
      .option('--name <text>', 'display name')
      .addOption(new Option('--language <lang>', "prompt language (default: the location's)").choices(LANGUAGES))
      .option('--random-pin', 'give the user a random one-time PIN, printed once')
      .option('--email <address>', 'e-mail address: new-message and lock e-mails, and signing in to the "My voicemail" page')
      .addOption(new Option('--email-messages <mode>', EMAIL_MESSAGES_HELP).choices(EMAIL_MESSAGES_MODES))
      .action(async (id: string, options: AddOptions) => {
        const store = await session.writableStore();
        let user = await store.createUser(
          {
            id,
            locationId: options.location,
            extension: options.extension,
            ...(options.number !== undefined ? { number: options.number } : {}),
            ...(options.name !== undefined ? { displayName: options.name } : {}),
            ...(options.language !== undefined ? { language: options.language } : {}),
            ...(options.email !== undefined ? { email: options.email } : {}),
            ...(options.emailMessages !== undefined ? { emailMessages: options.emailMessages } : {}),
          },
          session.actor,
        );
        let oneTimePin: string | undefined;
        if (options.randomPin) {
          oneTimePin = await store.issueRandomPin(id, session.actor);
          user = await requireUser(store, id);
        }
        const pin: PinOutcome = oneTimePin !== undefined ? 'one-time' : user.hasPin ? 'default' : 'none';
        if (session.json) {
          printJson(session.out, { user: userJson(user), pin, ...(oneTimePin !== undefined ? { oneTimePin } : {}) });
          return;
        }
        printLine(session.out, `User ${id} added (extension ${user.extension}, location ${user.locationId}).`);
        printLine(session.out, oneTimePin !== undefined ? oneTimePinNotice(id, oneTimePin) : pinOutcomeText(pin));
      }),
    'voice-portal-admin user add alice --location paris --extension 1001 --number +33612345678 --name "Alice Martin" --language fr',
    'voice-portal-admin user add bob --location paris --extension 1002 --random-pin',
  );

  withExample(
    cmd
      .command('list')
      .description('list users')
      .option('--location <loc>', 'only the users of this location')
      .option('--locked', 'only locked mailboxes')
      .action(async (options: { location?: string; locked?: boolean }) => {
        const store = await session.store();
        // A mistyped location would otherwise look like a location without users.
        if (options.location !== undefined && !(await store.getLocation(options.location))) throw new NotFound(`no location ${options.location}`);
        const users = await store.listUsers({
          ...(options.location !== undefined ? { locationId: options.location } : {}),
          ...(options.locked ? { lockedOnly: true } : {}),
        });
        if (session.json) {
          printJson(session.out, { users: users.map(userJson) });
          return;
        }
        printTable(session.out, USER_COLUMNS, users);
      }),
    'voice-portal-admin user list --location paris --locked',
  );

  withExample(
    cmd
      .command('show')
      .description("show one user's profile and PIN state (never the PIN)")
      .argument('<id>', 'user id')
      .action(async (id: string) => {
        const user = await requireUser(await session.store(), id);
        if (session.json) printJson(session.out, { user: userJson(user) });
        else printLine(session.out, formatFields(userFields(user)));
      }),
    'voice-portal-admin user show alice',
  );

  withExample(
    cmd
      .command('set')
      .description("change a user's extension, number, name, language or location (only the options given; the PIN is unchanged)")
      .argument('<id>', 'user id')
      .option('--extension <ext>', 'new extension (digits, unique in the organisation)', extensionOption)
      .option('--number <e164>', 'new phone number (E.164, e.g. +33612345678)', e164Option)
      .option('--no-number', 'remove the phone number')
      .option('--name <text>', 'new display name')
      .option('--no-name', 'remove the display name')
      .addOption(new Option('--language <lang>', 'prompt language').choices(LANGUAGES))
      .option('--no-language', "remove the user's language (the location's applies)")
      .option('--location <loc>', 'move the user to this location')
      .option('--email <address>', 'new e-mail address; none removes it')
      .addOption(new Option('--email-messages <mode>', EMAIL_MESSAGES_HELP).choices(EMAIL_MESSAGES_MODES))
      .action(async (id: string, options: SetOptions) => {
        const changes = userChanges(options);
        if (Object.keys(changes).length === 0) {
          throw usage(
            'user set: give at least one of --extension, --number, --no-number, --name, --no-name, --language, --no-language, --location, --email, --email-messages',
          );
        }
        const user = await (await session.writableStore()).updateUser(id, changes, session.actor);
        if (session.json) printJson(session.out, { user: userJson(user) });
        else printLine(session.out, `User ${id} updated.\n${formatFields(userFields(user))}`);
      }),
    'voice-portal-admin user set alice --extension 1005 --number +33612345679',
    'voice-portal-admin user set alice --location lyon --no-language',
    'voice-portal-admin user set alice --email alice.martin@example.com --email-messages attach',
  );

  withExample(
    cmd
      .command('remove')
      .description('remove a user (their mailbox can no longer be opened; extension and number are freed)')
      .argument('<id>', 'user id')
      .option('--force', 'remove even when something depends on the user (voice messages, once the portal stores them)')
      .action(async (id: string) => {
        const store = await session.writableStore();
        // Nothing the store keeps depends on a user yet (voicemail messages are roadmap step 6):
        // when it does, the dependency check belongs here, before the removal, and --force skips it.
        await store.removeUser(id, session.actor);
        if (session.json) printJson(session.out, { userId: id, removed: true });
        else printLine(session.out, `User ${id} removed.`);
      }),
    'voice-portal-admin user remove alice',
  );

  withExample(
    cmd
      .command('reset-pin')
      .description(
        'administrator reset: unlock; PIN back to the default PIN with a forced change (no PIN without a default), or a random one-time PIN; the name is recorded again',
      )
      .argument('<id>', 'user id')
      .option('--random-pin', 'give a random one-time PIN instead of the default PIN (printed once)')
      .action(async (id: string, options: { randomPin?: boolean }) => {
        const store = await session.writableStore();
        let pin: PinOutcome;
        let oneTimePin: string | undefined;
        if (options.randomPin) {
          oneTimePin = await store.issueRandomPin(id, session.actor);
          pin = 'one-time';
        } else {
          pin = (await store.adminResetPin(id, session.actor)).pin;
        }
        const user = await requireUser(store, id);
        if (session.json) {
          printJson(session.out, { user: userJson(user), pin, ...(oneTimePin !== undefined ? { oneTimePin } : {}) });
          return;
        }
        printLine(session.out, `PIN of ${id} reset; the mailbox is unlocked and the name must be recorded again.`);
        printLine(session.out, oneTimePin !== undefined ? oneTimePinNotice(id, oneTimePin) : pinOutcomeText(pin));
      }),
    'voice-portal-admin user reset-pin alice',
    'voice-portal-admin user reset-pin alice --random-pin',
  );

  withExample(
    cmd
      .command('set-pin')
      .description(
        "self-service: set the user's new PIN (asked twice on a terminal, or one line on stdin); it works at once, unlocks the mailbox, no forced change",
      )
      .argument('<id>', 'user id')
      .action(async (id: string) => {
        const store = await session.writableStore();
        await requireUser(store, id);
        const newPin = await readNewSecret(session.secrets, 'PIN');
        await store.selfServiceSetPin(id, newPin, session.actor);
        const user = await requireUser(store, id);
        if (session.json) printJson(session.out, { user: userJson(user) });
        else printLine(session.out, `PIN of ${id} set; the mailbox is open.`);
      }),
    'voice-portal-admin user set-pin alice',
    "printf '%s\\n' \"$NEW_PIN\" | voice-portal-admin user set-pin alice --json",
  );

  withExample(
    cmd
      .command('unlock')
      .description('unlock a mailbox without changing its PIN')
      .argument('<id>', 'user id')
      .action(async (id: string) => {
        const { wasLocked } = await (await session.writableStore()).unlockUser(id, session.actor);
        if (session.json) printJson(session.out, { userId: id, wasLocked });
        else printLine(session.out, wasLocked ? `Mailbox of ${id} unlocked.` : `Mailbox of ${id} was not locked (failure count reset).`);
      }),
    'voice-portal-admin user unlock alice',
  );
}
