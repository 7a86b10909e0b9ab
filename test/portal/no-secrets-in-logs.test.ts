/**
 * Security rule: nothing logs a PIN, a passcode or the digits typed at a PIN prompt. A whole
 * first login, a wrong PIN, a lockout and an admin login run with every log line captured at
 * debug level; none of the secrets typed appears in any of them.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { ADMIN_PASSCODE, DEFAULT_PIN, ended, hears, PARIS, recordVoice, startHarness, type Harness } from '../support/portal-harness';

const capture = { lines: [] as string[] };
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    capture.lines.push(chunk.toString());
    done();
  },
});
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] }) });
  await h.admin.addLocation({ ...PARIS, adminPasscode: ADMIN_PASSCODE }, 'test');
  await h.admin.setDefaultPin(DEFAULT_PIN, 'test');
  await h.admin.createUser({ id: 'alice', locationId: 'paris', extension: '1001' }, 'test');
});
afterAll(async () => {
  await h?.close();
});

test('no PIN, passcode or typed PIN digits in any log line', async () => {
  const NEW_PIN = '860412';
  const WRONG = ['551207', '660318', '770429', '880530'];
  const first = await h.call({ callerNumber: '1001' });
  await hears(first, 'welcome');
  await first.press(`${DEFAULT_PIN}#`);
  await hears(first, 'must-change-passcode');
  await first.press(`${NEW_PIN}#`);
  await hears(first, 'confirm-passcode');
  await first.press(`${NEW_PIN}#`);
  await recordVoice(first, 1);
  await hears(first, 'recording-options');
  await first.press('1');
  await hears(first, 'main-menu');
  await first.hangup();

  const admin = await h.call({ callerNumber: '1001' });
  await hears(admin, 'welcome');
  await admin.press('*');
  await hears(admin, 'enter-mailbox');
  await admin.press('8000#');
  await hears(admin, 'enter-passcode');
  await admin.press(`${ADMIN_PASSCODE}#`);
  await hears(admin, 'admin-menu');
  await admin.hangup();

  const wrong = await h.call({ callerNumber: '1001' });
  await hears(wrong, 'welcome');
  for (const [i, pin] of WRONG.slice(0, 3).entries()) {
    if (i > 0) await hears(wrong, 'enter-passcode', i);
    await wrong.press(`${pin}#`);
  }
  await ended(wrong);
  const locking = await h.call({ callerNumber: '1001' });
  await hears(locking, 'welcome');
  await locking.press(`${WRONG[3]}#`);
  await ended(locking);

  expect(capture.lines.length).toBeGreaterThan(10); // the capture does see the app's logging
  const secrets = [DEFAULT_PIN, NEW_PIN, ADMIN_PASSCODE, ...WRONG];
  const leaks = capture.lines.filter((line) => secrets.some((pin) => line.includes(pin)));
  expect(leaks).toEqual([]);
});
