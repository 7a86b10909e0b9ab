/** `location add | set | set-passcode | unlock | list | show | remove`: sites, their portal number/extension, language, and the admin passcode (4 failures lock admin access until `unlock` or `set-passcode`). */
import { Option, type Command } from 'commander';
import { NotFound, type Location, type LocationChanges, type Store } from '../../store';
import { confirmDestructive } from '../confirm';
import { refused, usage } from '../errors';
import { e164Option, extensionOption, timeZoneOption } from '../parse';
import { formatFields, humanTime, locationFields, locationJson, printJson, printLine, printTable, userJson, type Column } from '../output';
import { readNewSecret } from '../pin-input';
import type { Session } from '../session';
import { group, withExample } from './shared';

export const LANGUAGES = ['en', 'fr'];

interface AddOptions {
  portalExtension?: string;
  portalNumber?: string;
  name?: string;
  language: string;
  timezone: string;
}

/** `location set` options: a value, `false` for --no-portal-… (remove), or absent (unchanged). */
interface SetOptions {
  name?: string;
  language?: string;
  timezone?: string;
  portalNumber?: string | false;
  portalExtension?: string | false;
}

function locationChanges(options: SetOptions): LocationChanges {
  const orNull = (value: string | false): string | null => (value === false ? null : value);
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.language !== undefined ? { language: options.language } : {}),
    ...(options.timezone !== undefined ? { timeZone: options.timezone } : {}),
    ...(options.portalNumber !== undefined ? { portalNumber: orNull(options.portalNumber) } : {}),
    ...(options.portalExtension !== undefined ? { portalExtension: orNull(options.portalExtension) } : {}),
  };
}

async function requireLocation(store: Store, id: string): Promise<Location> {
  const location = await store.getLocation(id);
  if (!location) throw new NotFound(`no location ${id}`);
  return location;
}

function adminState(l: Location): string {
  if (!l.hasAdminPasscode) return 'no passcode';
  return l.adminLockedSince === undefined ? 'open' : 'LOCKED';
}

/** `location list`: the usual columns, and with `-o wide` the creation time and admin failure count. */
const LOCATION_COLUMNS: Column<Location>[] = [
  { header: 'ID', value: (l) => l.id },
  { header: 'EXTENSION', value: (l) => l.portalExtension ?? '-' },
  { header: 'NUMBER', value: (l) => l.portalNumber ?? '-' },
  { header: 'LANG', value: (l) => l.language },
  { header: 'TIME ZONE', value: (l) => l.timeZone },
  { header: 'ADMIN', value: adminState, style: (l) => (l.adminLockedSince === undefined ? undefined : 'alert') },
  { header: 'ADMIN FAILURES', value: (l) => String(l.adminFailures), wide: true },
  { header: 'CREATED', value: (l) => humanTime(l.createdAt), wide: true },
  { header: 'NAME', value: (l) => l.name },
];

export function registerLocation(program: Command, session: Session): void {
  const cmd = group(program, 'location', 'locations (sites), their voice portal and admin passcode');
  withExample(cmd, 'voice-portal-admin location list');

  withExample(
    cmd
      .command('add')
      .description('add a location with its voice portal extension and/or number (at least one)')
      .argument('<id>', 'location id (letters, digits, _ . -)')
      .option('--portal-extension <ext>', 'extension that reaches the voice portal (digits)', extensionOption)
      .option('--portal-number <e164>', 'phone number that reaches the voice portal (E.164, e.g. +33123456789)', e164Option)
      .option('--name <text>', 'display name (default: the id)')
      .addOption(new Option('--language <lang>', 'prompt language').choices(LANGUAGES).default('en'))
      .option('--timezone <tz>', 'IANA time zone of the site (for the auto-attendant)', timeZoneOption, 'UTC')
      .action(async (id: string, options: AddOptions) => {
        if (options.portalExtension === undefined && options.portalNumber === undefined) {
          throw usage('location add: give --portal-extension and/or --portal-number');
        }
        const store = await session.writableStore();
        const location = await store.addLocation(
          {
            id,
            name: options.name ?? id,
            ...(options.portalExtension !== undefined ? { portalExtension: options.portalExtension } : {}),
            ...(options.portalNumber !== undefined ? { portalNumber: options.portalNumber } : {}),
            language: options.language,
            timeZone: options.timezone,
          },
          session.actor,
        );
        if (session.json) printJson(session.out, { location: locationJson(location) });
        else printLine(session.out, `Location ${location.id} added. Set its admin passcode with: voice-portal-admin location set-passcode ${location.id}`);
      }),
    'voice-portal-admin location add paris --portal-extension 8000 --portal-number +33123450000 --name "Paris office" --language fr --timezone Europe/Paris',
  );

  withExample(
    cmd
      .command('set')
      .description("change a location's name, language, time zone, portal number or portal extension (only the options given)")
      .argument('<id>', 'location id')
      .option('--name <text>', 'new display name')
      .addOption(new Option('--language <lang>', 'prompt language').choices(LANGUAGES))
      .option('--timezone <tz>', 'IANA time zone of the site', timeZoneOption)
      .option('--portal-extension <ext>', 'new voice portal extension (digits)', extensionOption)
      .option('--no-portal-extension', 'remove the portal extension (the portal number must remain)')
      .option('--portal-number <e164>', 'new voice portal number (E.164)', e164Option)
      .option('--no-portal-number', 'remove the portal number (the portal extension must remain)')
      .action(async (id: string, options: SetOptions) => {
        const changes = locationChanges(options);
        if (Object.keys(changes).length === 0) {
          throw usage(
            'location set: give at least one of --name, --language, --timezone, --portal-extension, --no-portal-extension, --portal-number, --no-portal-number',
          );
        }
        const location = await (await session.writableStore()).updateLocation(id, changes, session.actor);
        if (session.json) printJson(session.out, { location: locationJson(location) });
        else printLine(session.out, `Location ${id} updated.\n${formatFields(locationFields(location))}`);
      }),
    'voice-portal-admin location set paris --portal-number +33123450001 --timezone Europe/Paris',
    'voice-portal-admin location set paris --no-portal-number',
  );

  withExample(
    cmd
      .command('set-passcode')
      .description("set the location's admin passcode (asked twice on a terminal, or one line on stdin); also unlocks admin access")
      .argument('<id>', 'location id')
      .action(async (id: string) => {
        const store = await session.writableStore();
        await requireLocation(store, id);
        const passcode = await readNewSecret(session.secrets, 'admin passcode');
        await store.setAdminPasscode(id, passcode, session.actor);
        const location = await requireLocation(store, id);
        if (session.json) printJson(session.out, { location: locationJson(location) });
        else printLine(session.out, `Admin passcode of ${id} set; admin access is open.`);
      }),
    'voice-portal-admin location set-passcode paris',
  );

  withExample(
    cmd
      .command('unlock')
      .description("unlock the location's admin access without changing the passcode")
      .argument('<id>', 'location id')
      .action(async (id: string) => {
        const { wasLocked } = await (await session.writableStore()).unlockLocationAdmin(id, session.actor);
        if (session.json) printJson(session.out, { locationId: id, wasLocked });
        else printLine(session.out, wasLocked ? `Admin access of ${id} unlocked.` : `Admin access of ${id} was not locked (failure count reset).`);
      }),
    'voice-portal-admin location unlock paris',
  );

  withExample(
    cmd
      .command('list')
      .description('list the locations')
      .action(async () => {
        const locations = await (await session.store()).listLocations();
        if (session.json) {
          printJson(session.out, { locations: locations.map(locationJson) });
          return;
        }
        printTable(session.out, LOCATION_COLUMNS, locations);
      }),
    'voice-portal-admin location list --json',
  );

  withExample(
    cmd
      .command('show')
      .description('show one location and its users')
      .argument('<id>', 'location id')
      .action(async (id: string) => {
        const store = await session.store();
        const location = await requireLocation(store, id);
        const users = await store.listUsers({ locationId: id });
        if (session.json) {
          printJson(session.out, { location: locationJson(location), users: users.map(userJson) });
          return;
        }
        const userList = users.length === 0 ? '-' : users.map((u) => `${u.id} (${u.extension})`).join(', ');
        printLine(session.out, formatFields([...locationFields(location), ['users', `${users.length}: ${userList}`]]));
      }),
    'voice-portal-admin location show paris',
  );

  withExample(
    cmd
      .command('remove')
      .description('remove a location; refused while it has users, unless --force (which removes its users first)')
      .argument('<id>', 'location id')
      .option('--force', 'also remove every user of the location')
      .action(async (id: string, options: { force?: boolean }) => {
        const store = await session.writableStore();
        await requireLocation(store, id);
        const users = await store.listUsers({ locationId: id });
        if (users.length > 0 && !options.force) {
          const names = users.slice(0, 10).map((u) => u.id).join(', ');
          throw refused(
            `location ${id} still has ${users.length} user(s) (${names}${users.length > 10 ? ', …' : ''}): remove them first, or use --force to remove them too`,
          );
        }
        if (users.length > 0) await confirmDestructive(session, `This removes location ${id} and its ${users.length} user(s), with their PINs and settings`, id);
        const removedUsers: string[] = [];
        for (const user of users) {
          try {
            await store.removeUser(user.id, session.actor);
            removedUsers.push(user.id);
          } catch (err) {
            // Removed by someone else meanwhile: what --force wanted anyway.
            if (!(err instanceof NotFound)) throw err;
          }
        }
        await store.removeLocation(id, session.actor);
        if (session.json) printJson(session.out, { locationId: id, removed: true, removedUsers });
        else printLine(session.out, `Location ${id} removed${removedUsers.length > 0 ? `, with its users ${removedUsers.join(', ')}` : ''}.`);
      }),
    'voice-portal-admin location remove paris',
    'voice-portal-admin location remove paris --force',
    'voice-portal-admin location remove paris --force --yes',
  );
}
