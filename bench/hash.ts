/**
 * `npm run bench -- hash [--count 20] [--check]`: how long one PIN verification takes with
 * CURRENT_HASH_PARAMS on this machine (target 20-60 ms: slow for a guesser, unnoticed by a
 * caller), plus the costs that must match it: a failed verification and dummyVerify (unknown
 * mailboxes).
 * --check exits with status 1 when the median verification is outside the target.
 * The benchmark PIN and pepper are random and never printed.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  CURRENT_HASH_PARAMS,
  dummyVerify,
  formatHashParams,
  hashPin,
  randomPin,
  verifyPin,
} from '../src/security/pin-hash';
import { formatSummary, positiveInt, summarise, timeSequential } from './stats';

export const TARGET_MS = { min: 20, max: 60 } as const;

export async function hashBench(args: string[]): Promise<number> {
  const count = positiveInt(args, 'count', 20);
  const check = args.includes('--check');
  const pepper = randomBytes(24).toString('base64');
  const pin = randomPin(8, () => true);
  const wrongPin = pin === '00000000' ? '11111111' : '00000000';

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`node ${process.version}, ${os.availableParallelism()} cores (${cpu}), UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`);
  console.log(`scrypt params: ${formatHashParams(CURRENT_HASH_PARAMS)}, keyLen=${CURRENT_HASH_PARAMS.keyLen}, memory ${(128 * CURRENT_HASH_PARAMS.N * CURRENT_HASH_PARAMS.r) / 2 ** 20} MiB per hash`);

  const stored = await hashPin(pin, pepper);
  // Warm-up: first calls pay for thread-pool start-up and allocation.
  await verifyPin(pin, stored, pepper);
  await dummyVerify(pin, pepper);

  const verifyOk = summarise(await timeSequential(count, () => verifyPin(pin, stored, pepper)));
  const verifyWrong = summarise(await timeSequential(count, () => verifyPin(wrongPin, stored, pepper)));
  const dummy = summarise(await timeSequential(count, () => dummyVerify(pin, pepper)));
  const hashing = summarise(await timeSequential(count, () => hashPin(pin, pepper)));

  console.log(formatSummary('verify (correct PIN)', verifyOk));
  console.log(formatSummary('verify (wrong PIN)', verifyWrong));
  console.log(formatSummary('dummyVerify', dummy));
  console.log(formatSummary('hashPin', hashing));

  const inTarget = verifyOk.median >= TARGET_MS.min && verifyOk.median <= TARGET_MS.max;
  console.log(`target ${TARGET_MS.min}-${TARGET_MS.max} ms per verification: ${inTarget ? 'OK' : 'OUTSIDE'} (median ${verifyOk.median.toFixed(1)} ms)`);
  return check && !inTarget ? 1 : 0;
}
