/**
 * A wait with a bound, for tests and benchmarks: `promise`'s value, or undefined if it has not
 * settled within `ms`. The timer is cleared either way, so a finished wait leaves no timer
 * behind to hold a jest worker or a benchmark process.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
