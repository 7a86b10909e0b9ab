/** `throttle list | clear <number>`: the per-calling-number throttle on wrong PINs across other people's mailboxes. */
import type { Command } from 'commander';
import { refused } from '../errors';
import type { ThrottleBucket } from '../../store';
import { printJson, printLine, printTable, throttleJson, type Column } from '../output';
import type { Session } from '../session';
import { group, withExample } from './shared';

const THROTTLE_COLUMNS: Column<ThrottleBucket>[] = [
  { header: 'CALLER', value: (b) => b.caller },
  { header: 'FAILURES', value: (b) => String(b.failures) },
  { header: 'STATE', value: (b) => (b.throttled ? 'REFUSED' : 'counting'), style: (b) => (b.throttled ? 'alert' : undefined) },
];

export function registerThrottle(program: Command, session: Session): void {
  const cmd = group(program, 'throttle', 'calling numbers that failed PINs on other mailboxes in the last hour');
  withExample(cmd, 'voice-portal-admin throttle list');

  withExample(
    cmd
      .command('list')
      .description('calling numbers with failures in the last hour, and whether they are refused')
      .action(async () => {
        const buckets = await (await session.store()).listThrottled();
        if (session.json) {
          printJson(session.out, { callers: buckets.map(throttleJson) });
          return;
        }
        printTable(session.out, THROTTLE_COLUMNS, buckets);
      }),
    'voice-portal-admin throttle list --json',
  );

  withExample(
    cmd
      .command('clear')
      .description("forget a calling number's failures (`anonymous` for callers without caller ID)")
      .argument('<number>', 'calling number as listed (digits, a leading + allowed) or anonymous')
      .action(async (number: string) => {
        // The store files anything that is not digits under the shared `anonymous` bucket: a
        // typo must not clear that one.
        if (number !== 'anonymous' && !/^\+?\d{1,15}$/.test(number)) {
          throw refused(`"${number}" is not a calling number (digits, a leading + allowed) nor anonymous`);
        }
        const caller = number === 'anonymous' ? number : number.replace(/^\+/, '');
        const cleared = await (await session.writableStore()).clearThrottle(caller, session.actor);
        if (session.json) printJson(session.out, { caller, cleared });
        else printLine(session.out, cleared ? `Throttle of ${caller} cleared.` : `${caller} had no failures in the window (nothing to clear).`);
      }),
    'voice-portal-admin throttle clear +33612345678',
  );
}
