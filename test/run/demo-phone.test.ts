/**
 * The demo's interactive terminal phone, fed keys programmatically (as raw-mode stdin would):
 * typed ahead at "Enter your mailbox number", the PIN digits never appear on the screen; the
 * keys of one entry share one line.
 */
import { CallView } from '../../demo/call-view';
import { promptIdOf } from '../../demo/media-text';
import { keyOnPhone } from '../../demo/phone';
import { startDemo, type DemoSetup } from '../../demo/setup';
import Redis from 'ioredis';
import { orgKeys } from '../../src/store/keys';
import type { SimCall } from '../../test/double/control';
import { openTestStore, PEPPER } from '../store/helpers';
import { startTestRedis } from '../support/redis';

const SCALE = 0.05; // 20× faster, the portal's key timeouts too
let demo: DemoSetup;
beforeAll(async () => {
  demo = await startDemo({ timeScale: SCALE, portalTimingScale: SCALE });
});
afterAll(async () => {
  await demo.close();
});

async function promptStarted(call: SimCall, id: string, from = 0): Promise<number> {
  for (let waited = 0; waited < 10_000; waited += 5) {
    const i = call.log.findIndex((e, n) => n >= from && e.kind === 'media-started' && promptIdOf(e.uri) === id);
    if (i >= 0) return i;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no prompt ${id}: ${JSON.stringify(call.log)}`);
}

test('typed ahead, one key at a time: the mailbox shows, the PIN and the new PIN never do', async () => {
  const pin = demo.defaultPin!;
  const newPin = '860412';
  let screen = '';
  const call = await demo.double.placeCall({ callerNumber: '1001', extension: '+33123456789', args: demo.stasisArgs('+33123456789') });
  const view = new CallView(call, SCALE, (line) => (screen += `${line}\n`), undefined, (text) => (screen += text));
  const type = (keys: string): void => {
    for (const ch of keys) keyOnPhone(call, view, ch);
  };
  await promptStarted(call, 'welcome-enter-mailbox');
  type(`1002#${pin}#`); // Bob's mailbox and the default PIN, in one go
  const change = await promptStarted(call, 'must-change-passcode');
  type(`${newPin}#`);
  await promptStarted(call, 'confirm-passcode', change);
  type(`${newPin}#`);
  await promptStarted(call, 'record-name');
  type('h');
  await call.ended;
  view.stop();

  expect(screen).not.toContain(pin);
  expect(screen).not.toContain(newPin);
  const keyLines = screen.split('\n').filter((l) => l.includes('caller: presses'));
  expect(keyLines.map((l) => l.replace(/^\[[ 0-9.]+s\] /, ''))).toEqual([
    'caller: presses 1002#',
    'caller: presses ••••••#',
    'caller: presses ••••••#',
    'caller: presses ••••••#',
  ]);
  expect(screen).toMatch(/caller: hangs up\n/);
});

test('--redis-url: the demo adds what is missing, never changes the default PIN or an existing user', async () => {
  const outside = await startTestRedis({ restartable: true });
  const client = new Redis(outside.url);
  const store = openTestStore(outside.url);
  const savedPepper = process.env.PIN_PEPPER;
  process.env.PIN_PEPPER = PEPPER; // the organisation's pepper, given to the demo as to the app
  let other: DemoSetup | undefined;
  try {
    await store.setDefaultPin('731904', 'op');
    await store.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'UTC' }, 'op');
    const alice = await store.createUser({ id: 'alice', locationId: 'paris', extension: '1001' }, 'op');
    const aliceKeys = (await client.keys('*')).filter((k) => k.includes(alice.id)).sort();
    const watched = [orgKeys.defaultPin, ...aliceKeys];
    const before = await Promise.all(watched.map((k) => client.dumpBuffer(k)));

    other = await startDemo({ timeScale: SCALE, portalTimingScale: SCALE, redisUrl: outside.url });
    expect(other.defaultPin).toBeUndefined();
    expect(other.existingUsers).toEqual(['alice']);
    expect(other.oneTimePins.map((u) => u.userId)).toEqual(['bob']);
    expect(other.oneTimePins[0].pin).toMatch(/^\d{6,}$/);
    expect(await Promise.all(watched.map((k) => client.dumpBuffer(k)))).toEqual(before);
  } finally {
    await other?.close();
    if (savedPepper === undefined) delete process.env.PIN_PEPPER;
    else process.env.PIN_PEPPER = savedPepper;
    await store.close();
    client.disconnect();
    await outside.stop();
  }
});
