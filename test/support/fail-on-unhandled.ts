/**
 * Any unhandled promise rejection during a test file fails that file: a rejection nobody
 * awaited is a bug in a call flow (a verb left dangling after hang-up) even when the
 * assertions pass.
 */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  // Let rejections of the last test's promises surface before judging.
  await new Promise((r) => setImmediate(r));
  process.off('unhandledRejection', onUnhandled);
  if (unhandled.length > 0) {
    const first = unhandled[0];
    const text = first instanceof Error ? (first.stack ?? first.message) : String(first);
    throw new Error(`${unhandled.length} unhandled promise rejection(s); first: ${text}`);
  }
});
