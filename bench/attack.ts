/**
 * `npm run bench -- attack [--speed 0.05]`: the outside attacker's attacks of issue #11,
 * played against the assembled application (the ARI test double as Asterisk, the unchanged
 * app, a private Redis), with the default policy. Prints, per attack, what the attacker got:
 * mailboxes locked, PINs evaluated (compared with a real hash), attempts refused, calls made.
 * Exits with status 1 when an attack got more than the policy promises.
 *
 * The scenarios live in test/support/attack-rig.ts (the end-to-end tests play them too, with
 * smaller sizes). PINs are test values, never printed.
 */
import { silentLogger } from '../src/log';
import { openStore } from '../src/store';
import {
  clockSkewAttack,
  distributedSprayAttack,
  enumerationProbe,
  observingHasher,
  parallelGuessesAttack,
  spellingsAttack,
  spoofedCallerIdAttack,
  successRaceAttack,
  type AttackResult,
} from '../test/support/attack-rig';
import { PEPPER, startHarness } from '../test/support/portal-harness';
import { describeMachine, positiveNumber } from './stats';

const HOURS_2 = 2 * 60 * 60 * 1000;

export async function attackBench(args: string[]): Promise<number> {
  const timeScale = positiveNumber(args, 'speed', 0.05);
  console.log(describeMachine());
  const hasher = observingHasher();
  const rig = await startHarness({ timeScale, app: { store: { hasher } } });
  const skewed = openStore({ redis: { url: rig.redis.url }, pepper: PEPPER, logger: silentLogger(), hasher, clock: () => Date.now() - HOURS_2 });
  try {
    const policy = await rig.admin.getPolicy();
    console.log(
      `policy: maxFailures ${policy.maxFailures}, throttle ${policy.throttlePerHour}/caller/hour, ` +
        `location throttle ${policy.locationThrottlePerHour}/hour (untrusted), untrusted lockout ${policy.untrustedLockout}`,
    );
    const checks: { result: AttackResult; bound: number; what: string }[] = [];
    const run = async (attack: Promise<AttackResult>, bound: (r: AttackResult) => number, what: string): Promise<void> => {
      const result = await attack;
      checks.push({ result, bound: bound(result), what });
      print(result);
    };
    await run(spoofedCallerIdAttack(rig, hasher, { users: 10, callsPerUser: 2 }), () => policy.throttlePerHour, 'PINs evaluated ≤ throttle');
    await run(spellingsAttack(rig, hasher, { users: 20 }), () => policy.throttlePerHour, 'PINs evaluated ≤ throttle (one bucket)');
    await run(distributedSprayAttack(rig, hasher, { numbers: 20, users: 60 }), () => policy.locationThrottlePerHour, 'PINs evaluated ≤ location throttle');
    await run(successRaceAttack(rig, hasher), () => policy.maxFailures, 'PINs evaluated ≤ maxFailures');
    await run(parallelGuessesAttack(rig, hasher, { calls: 50 }), () => policy.maxFailures, 'PINs evaluated ≤ maxFailures');
    await run(clockSkewAttack(rig, hasher, skewed), () => 1, 'PINs evaluated after the skewed instance ≤ 1');
    const probe = await enumerationProbe(rig);
    const same = JSON.stringify(probe.unknown) === JSON.stringify(probe.real) && JSON.stringify(probe.noPin) === JSON.stringify(probe.real);
    console.log('\nenumeration (same guesses, from another phone, through the lock)');
    console.log(`  real mailbox:     ${probe.real.join(' ')}`);
    console.log(`  unknown number:   ${probe.unknown.join(' ')}`);
    console.log(`  mailbox, no PIN:  ${probe.noPin.join(' ')}`);
    console.log(`  told apart: ${same ? 'no' : 'YES'}`);
    const over = checks.filter((c) => c.result.pinsEvaluated > c.bound);
    console.log('');
    for (const c of checks) console.log(`${c.result.pinsEvaluated > c.bound ? 'FAIL' : 'ok  '} ${c.result.attack}: ${c.what} (${c.result.pinsEvaluated} ≤ ${c.bound})`);
    return over.length > 0 || !same ? 1 : 0;
  } finally {
    await skewed.close();
    await rig.close();
  }
}

function print(r: AttackResult): void {
  console.log(`\n${r.attack}`);
  console.log(`  mailboxes locked ${r.mailboxesLocked}/${r.mailboxes}   PINs evaluated ${r.pinsEvaluated}   attempts ${r.attempts} (refused ${r.refused})   calls ${r.calls}`);
  console.log(`  ${r.detail}`);
}
