/** The store's PIN hasher, each operation timed for `voice_portal_pin_hash_duration_seconds`. */
import type { PinHasher } from '../store';
import type { PinHashOperation } from './prometheus';

export function timedHasher(inner: PinHasher, observe: (operation: PinHashOperation, seconds: number) => void): PinHasher {
  const timed = async <T>(operation: PinHashOperation, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      observe(operation, (performance.now() - start) / 1000);
    }
  };
  return {
    hashPin: (pin, pepper) => timed('hash', () => inner.hashPin(pin, pepper)),
    verifyPin: (pin, stored, pepper) => timed('verify', () => inner.verifyPin(pin, stored, pepper)),
    dummyVerify: (pin, pepper) => timed('dummy', () => inner.dummyVerify(pin, pepper)),
    matchesAnyHash: (pin, hashes, pepper) => timed('history', () => inner.matchesAnyHash(pin, hashes, pepper)),
    pepperFingerprint: (pepper) => inner.pepperFingerprint(pepper),
    checkPepperFingerprint: (pepper, stored) => inner.checkPepperFingerprint(pepper, stored),
    randomPin: (length, isAcceptable) => inner.randomPin(length, isAcceptable),
  };
}
