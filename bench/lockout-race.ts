/**
 * `npm run bench -- lockout-race [--attempts 50]`: N wrong-PIN verifications of ONE mailbox,
 * all at once, spread over 10 store connections (as 10 application instances would be).
 * Failure counting is atomic across calls and instances (reserve-then-evaluate): at most
 * `maxFailures` of them may ever be compared with the hash, whatever the concurrency. Counts
 * the comparisons with a PinHasher that wraps the real one (real scrypt cost) and exits with
 * status 1 if more than
 * maxFailures were evaluated, if any attempt failed, or if the mailbox did not end locked
 * (or ended locked with fewer attempts than maxFailures).
 * The PINs are random and never printed.
 */
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/log';
import { randomPin } from '../src/security/pin-hash';
import { checkPinForUser } from '../src/security/pin-policy';
import { defaultPinHasher, openStore, type PinHasher, type Store, type VerifyResult } from '../src/store';
import { startTestRedis } from '../test/support/redis';
import { describeMachine, positiveInt } from './stats';

/** A fixed pepper: the bench's Redis is private and thrown away. */
const PEPPER = '534e48d42f9ebf0ca90b01264d4b55535c277e76de7214b1edcb5c02664d1db3';
const CONNECTIONS = 10;
const EXTENSION = '1001';

/** The real hashing functions, counting PIN comparisons (dummy verifications are not PINs of the mailbox). */
function countingHasher(): { hasher: PinHasher; evaluated: () => number } {
  let verifyCalls = 0;
  const hasher: PinHasher = {
    ...defaultPinHasher,
    verifyPin: (pin, stored, pepper) => {
      verifyCalls++;
      return defaultPinHasher.verifyPin(pin, stored, pepper);
    },
  };
  return { hasher, evaluated: () => verifyCalls };
}

export async function lockoutRaceBench(args: string[]): Promise<number> {
  const attempts = positiveInt(args, 'attempts', 50);
  console.log(describeMachine());
  const redis = await startTestRedis();
  const { hasher, evaluated } = countingHasher();
  const stores: Store[] = [];
  try {
    for (let i = 0; i < CONNECTIONS; i++) {
      stores.push(openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger(), hasher, connectionName: `bench-race-${i}` }));
    }
    const [admin] = stores as [Store];
    await admin.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'Europe/Paris' }, 'bench');
    const user = await admin.createUser({ locationId: 'paris', extension: EXTENSION }, 'bench');
    const policy = await admin.getPolicy();
    const acceptable = (p: string): boolean => checkPinForUser(p, policy, { extension: EXTENSION }) === null;
    const right = randomPin(policy.minLength, acceptable);
    const wrong = randomPin(policy.minLength, (p) => p !== right && acceptable(p));
    await admin.selfServiceSetPin(user.id, right, 'bench');
    // Every connection ready before the race, so connection set-up is not part of it.
    for (const store of stores) {
      if (!(await store.ping())) throw new Error('a store connection did not become ready');
    }
    const before = evaluated();

    const start = performance.now();
    // From the mailbox's own number: the spray throttle does not apply, only the lockout.
    const settled = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) => (stores[i % CONNECTIONS] as Store).verifyUserPin(EXTENSION, wrong, EXTENSION)),
    );
    const wallMs = performance.now() - start;

    const evaluations = evaluated() - before;
    const answers = new Map<string, number>();
    let errors = 0;
    for (const s of settled) {
      if (s.status === 'rejected') errors++;
      else answers.set(answerLabel(s.value), (answers.get(answerLabel(s.value)) ?? 0) + 1);
    }
    const after = await admin.getUser(user.id);
    const locked = after?.lockedSince !== undefined;
    // The maxFailures-th wrong PIN locks; fewer attempts must leave the mailbox open.
    const lockExpected = attempts >= policy.maxFailures;

    console.log(`${attempts} concurrent wrong-PIN attempts on one mailbox over ${CONNECTIONS} connections`);
    console.log(`answers: ${[...answers].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(', ')}${errors ? `, errors ×${errors}` : ''}`);
    console.log(`PIN comparisons (scrypt) evaluated: ${evaluations} (maxFailures ${policy.maxFailures}): ${evaluations <= policy.maxFailures ? 'OK' : 'TOO MANY'}`);
    console.log(`mailbox afterwards: ${locked ? 'locked' : 'not locked'} (${locked === lockExpected ? 'as expected' : 'WRONG'}), failures counted ${after?.failures ?? 'n/a'}`);
    console.log(`wall time ${wallMs.toFixed(1)} ms`);
    return evaluations > policy.maxFailures || errors > 0 || locked !== lockExpected ? 1 : 0;
  } finally {
    for (const store of stores) await store.close();
    await redis.stop();
  }
}

function answerLabel(v: VerifyResult): string {
  return v.result === 'invalid' ? `invalid(${v.attemptsLeft} left)` : v.result;
}
