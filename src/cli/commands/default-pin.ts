/** `default-pin set | clear | show`: the organisation-wide PIN users created after it is set start with (existing users keep theirs). */
import type { Command } from 'commander';
import type { DefaultPinInfo } from '../../store';
import { humanTime, iso, printJson, printLine } from '../output';
import { readNewSecret } from '../pin-input';
import type { Session } from '../session';
import { group, withExample } from './shared';

function defaultPinJson(info: DefaultPinInfo): { set: boolean; since: string | null } {
  return { set: info.set, since: info.set ? iso(info.since) : null };
}

function describe(info: DefaultPinInfo): string {
  return info.set ? `A default PIN is set (since ${humanTime(info.since)}).` : 'No default PIN is set.';
}

export function registerDefaultPin(program: Command, session: Session): void {
  const cmd = group(program, 'default-pin', 'the default PIN new users start with (never shown)');
  withExample(cmd, 'voice-portal-admin default-pin show');

  withExample(
    cmd
      .command('set')
      .description(
        'set the default PIN (asked twice on a terminal, or one line on stdin); it applies to users created from now on, existing users keep their PINs',
      )
      .action(async () => {
        // Connect first: an operator should not type a PIN twice only to learn Redis is down.
        const store = await session.writableStore();
        const pin = await readNewSecret(session.secrets, 'default PIN');
        await store.setDefaultPin(pin, session.actor);
        const info = await store.getDefaultPinInfo();
        if (session.json) printJson(session.out, { defaultPin: defaultPinJson(info) });
        else printLine(session.out, `Default PIN set. Users created from now on start with it and must change it at their first call.`);
      }),
    'voice-portal-admin default-pin set',
    "printf '%s\\n' \"$NEW_DEFAULT_PIN\" | voice-portal-admin default-pin set",
  );

  withExample(
    cmd
      .command('clear')
      .description('remove the default PIN: users created from now on have no PIN until they set one')
      .action(async () => {
        const store = await session.writableStore();
        await store.clearDefaultPin(session.actor);
        const info = await store.getDefaultPinInfo();
        if (session.json) printJson(session.out, { defaultPin: defaultPinJson(info) });
        else printLine(session.out, 'Default PIN cleared. Users created from now on have no PIN until they set one.');
      }),
    'voice-portal-admin default-pin clear',
  );

  withExample(
    cmd
      .command('show')
      .description('whether a default PIN is set, and since when (never the PIN)')
      .action(async () => {
        const info = await (await session.store()).getDefaultPinInfo();
        if (session.json) printJson(session.out, { defaultPin: defaultPinJson(info) });
        else printLine(session.out, describe(info));
      }),
    'voice-portal-admin default-pin show --json',
  );
}
