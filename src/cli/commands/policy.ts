/** `policy show | set`: the organisation's PIN policy (SPEC §7). */
import type { Command } from 'commander';
import type { PinPolicy } from '../../store';
import { usage } from '../errors';
import { formatFields, policyJson, printJson, printLine } from '../output';
import { integerOption } from '../parse';
import type { Session } from '../session';
import { group, withExample } from './shared';

interface PolicyOptions {
  minLength?: number;
  maxLength?: number;
  history?: number;
  maxFailures?: number;
  throttle?: number;
}

function policyText(p: PinPolicy): string {
  return formatFields([
    ['minimum length', String(p.minLength)],
    ['maximum length', String(p.maxLength)],
    ['history (PINs that cannot be reused)', String(p.historySize)],
    ['failures before lock', String(p.maxFailures)],
    ['throttle (failures per caller per hour)', String(p.throttlePerHour)],
  ]);
}

export function registerPolicy(program: Command, session: Session): void {
  const cmd = group(program, 'policy', 'the organisation-wide PIN policy');
  withExample(cmd, 'voice-portal-admin policy show');

  withExample(
    cmd
      .command('show')
      .description('show the PIN policy in force')
      .action(async () => {
        const policy = await (await session.store()).getPolicy();
        if (session.json) printJson(session.out, { policy: policyJson(policy) });
        else printLine(session.out, policyText(policy));
      }),
    'voice-portal-admin policy show --json',
  );

  withExample(
    cmd
      .command('set')
      .description('change some PIN policy values (the others keep their current value)')
      .option('--min-length <n>', 'minimum PIN length (4-15)', integerOption(0))
      .option('--max-length <n>', 'maximum PIN length (at most 30)', integerOption(0))
      .option('--history <n>', 'how many previous PINs cannot be reused (0-20)', integerOption(0))
      .option('--max-failures <n>', 'consecutive wrong PINs that lock a mailbox (1-10)', integerOption(0))
      .option('--throttle <n>', 'failures per calling number per hour across other mailboxes before refusing (1-10000)', integerOption(0))
      .action(async (options: PolicyOptions) => {
        const changes: Partial<PinPolicy> = {
          ...(options.minLength !== undefined ? { minLength: options.minLength } : {}),
          ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
          ...(options.history !== undefined ? { historySize: options.history } : {}),
          ...(options.maxFailures !== undefined ? { maxFailures: options.maxFailures } : {}),
          ...(options.throttle !== undefined ? { throttlePerHour: options.throttle } : {}),
        };
        if (Object.keys(changes).length === 0) throw usage('policy set: give at least one of --min-length, --max-length, --history, --max-failures, --throttle');
        const store = await session.store();
        const policy: PinPolicy = { ...(await store.getPolicy()), ...changes };
        await store.setPolicy(policy, session.actor);
        const saved = await store.getPolicy();
        if (session.json) printJson(session.out, { policy: policyJson(saved) });
        else printLine(session.out, `PIN policy updated.\n${policyText(saved)}`);
      }),
    'voice-portal-admin policy set --min-length 8 --max-failures 4',
  );
}
