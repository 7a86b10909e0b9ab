import { StallMeter } from './stalls';

const blockFor = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // hold the event loop, as a stalled process would be held
  }
};
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

test('a held-up event loop counts as lost time, also while the stall is still going on', async () => {
  const meter = new StallMeter();
  await tick();
  blockFor(300);
  expect(meter.lostMs()).toBeGreaterThanOrEqual(250);
  await tick();
  blockFor(200);
  await tick();
  expect(meter.lostMs()).toBeGreaterThanOrEqual(450);
  meter.stop();
});

test('after stop(), time spent later is not counted', async () => {
  const meter = new StallMeter();
  await tick();
  meter.stop();
  const atStop = meter.lostMs();
  blockFor(200);
  expect(meter.lostMs()).toBe(atStop);
});
