/**
 * `policy show | set`: the organisation's PIN policy (lengths, history, lockout, throttles) and the
 * settings that go with it, such as refusing `*` logins from callers outside the organisation.
 */
import { Option, type Command } from 'commander';
import type { OrgPolicy, PolicyChanges } from '../../store';
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
  refuseOutsideStarLogin?: 'on' | 'off';
  // issue #11
  locationThrottle?: number;
  untrustedLockout?: 'permanent' | 'temporary';
  refuseCommonPins?: 'on' | 'off';
}

const onOff = (value: boolean): string => (value ? 'on' : 'off');

function policyText(p: OrgPolicy): string {
  return formatFields([
    ['minimum length', String(p.minLength)],
    ['maximum length', String(p.maxLength)],
    ['history (PINs that cannot be reused)', String(p.historySize)],
    ['failures before lock', String(p.maxFailures)],
    ['throttle (failures per caller per hour)', String(p.throttlePerHour)],
    ['refuse * logins from outside callers', onOff(p.refuseOutsideStarLogin)],
    ['location throttle (untrusted per hour)', String(p.locationThrottlePerHour)],
    ['locks from untrusted calls', p.untrustedLockout],
    ['refuse common PINs', onOff(p.refuseCommonPins)],
  ]);
}

export function registerPolicy(program: Command, session: Session): void {
  const cmd = group(program, 'policy', 'the organisation-wide PIN policy and login settings');
  withExample(cmd, 'voice-portal-admin policy show');

  withExample(
    cmd
      .command('show')
      .description('show the PIN policy and login settings in force')
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
      .description('change some policy values; the others keep their current value, even when another administrator changes them at the same time')
      .option('--min-length <n>', 'minimum PIN length (4-15)', integerOption(0))
      .option('--max-length <n>', 'maximum PIN length (at most 30)', integerOption(0))
      .option('--history <n>', 'how many previous PINs cannot be reused (0-20)', integerOption(0))
      .option('--max-failures <n>', 'consecutive wrong PINs that lock a mailbox (1-10)', integerOption(0))
      .option('--throttle <n>', 'failures per calling number per hour across other mailboxes before refusing (1-10000)', integerOption(0))
      .addOption(
        new Option(
          '--refuse-outside-star-login <on|off>',
          "on: callers whose number is no user's extension or number nor a portal number cannot log in to a mailbox with * (they hear \"service unavailable\")",
        ).choices(['on', 'off']),
      )
      .option(
        '--location-throttle <n>',
        'failures from untrusted calls (trunks) per location per hour, across every calling number, before refusing them (1-100000)',
        integerOption(0),
      )
      .addOption(
        new Option(
          '--untrusted-lockout <mode>',
          'what failures from untrusted calls lock: permanent (until an administrator acts) or temporary (5 min, doubled at each lock in a row, permanent after 3)',
        ).choices(['permanent', 'temporary']),
      )
      .addOption(
        new Option(
          '--refuse-common-pins <on|off>',
          'on (default): refuse the PINs attackers try first (top lists of PIN studies, keypad patterns such as 147258, dates such as 010190)',
        ).choices(['on', 'off']),
      )
      .action(async (options: PolicyOptions) => {
        const changes: PolicyChanges = {
          ...(options.minLength !== undefined ? { minLength: options.minLength } : {}),
          ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
          ...(options.history !== undefined ? { historySize: options.history } : {}),
          ...(options.maxFailures !== undefined ? { maxFailures: options.maxFailures } : {}),
          ...(options.throttle !== undefined ? { throttlePerHour: options.throttle } : {}),
          ...(options.refuseOutsideStarLogin !== undefined ? { refuseOutsideStarLogin: options.refuseOutsideStarLogin === 'on' } : {}),
          ...(options.locationThrottle !== undefined ? { locationThrottlePerHour: options.locationThrottle } : {}),
          ...(options.untrustedLockout !== undefined ? { untrustedLockout: options.untrustedLockout } : {}),
          ...(options.refuseCommonPins !== undefined ? { refuseCommonPins: options.refuseCommonPins === 'on' } : {}),
        };
        if (Object.keys(changes).length === 0) {
          throw usage(
            'policy set: give at least one of --min-length, --max-length, --history, --max-failures, --throttle, --refuse-outside-star-login, --location-throttle, --untrusted-lockout, --refuse-common-pins',
          );
        }
        // One store-side update of only these fields (validated merged with the current ones).
        const saved = await (await session.writableStore()).updatePolicy(changes, session.actor);
        if (session.json) printJson(session.out, { policy: policyJson(saved) });
        else printLine(session.out, `Policy updated.\n${policyText(saved)}`);
      }),
    'voice-portal-admin policy set --min-length 8 --max-failures 4',
    'voice-portal-admin policy set --refuse-outside-star-login on',
    'voice-portal-admin policy set --untrusted-lockout temporary --location-throttle 30',
    'voice-portal-admin policy set --refuse-common-pins off',
  );
}
