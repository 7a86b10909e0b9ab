/**
 * Issue #13 item 5, load + faults: 200 concurrent calls (own-phone login, main menu, goodbye)
 * while Redis is restarted once (SIGKILL, back from its AOF) and the ARI socket is dropped
 * once. Every call must either complete or hear "temporarily unavailable" and end; the
 * application must not crash (it serves a call afterwards); every mailbox must be consistent
 * (no failure counted for a right PIN that was evaluated, never locked, no reservation left).
 * The long run (`npm run chaos -- --long`) does it three times.
 */
import type { SimCall } from '../double/control';
import { auditTrailOf, checkMailbox, engineTotalsWhenIdle, nextCallWorks } from './support/checks';
import { endedWithin, promptsHeard } from './support/drive';
import { type Subject } from './support/flows';
import { LONG, once, pool, seedOrganisation, startChaosHarness, type ChaosHarness } from './support/harness';
import { hears } from '../support/portal-harness';
import { ChaosTally } from './support/summary';

const CALLS = 200;
const PIN = '502938';
let h: ChaosHarness;
const tally = new ChaosTally('load + faults');
let nextExt = 500_000;

beforeAll(async () => {
  // Redis is SIGKILLed mid-run and every completed change must survive it.
  h = await startChaosHarness({ redis: { appendfsync: 'always' } });
  await seedOrganisation(h.admin);
}, 60_000);
afterAll(async () => {
  tally.print(h ? await h.redisStalls() : '');
  await h?.close();
});

async function users(n: number): Promise<Subject[]> {
  return pool(Array.from({ length: n }), 10, async () => {
    const ext = String(nextExt++);
    const u = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'chaos');
    await h.admin.selfServiceSetPin(u.id, PIN, 'chaos');
    await h.admin.markNameRecorded(u.id, 'chaos');
    h.double.addStoredRecording(`voice-portal/names/${u.id}`, 2);
    return { userId: u.id, ext, locationId: 'paris', portalExtension: '8000', pins: [PIN], forcedChange: false, attempts: 0, rightTyped: false, wrongAnswered: 0, messages: [], deposit: false };
  });
}

/** One caller: welcome, PIN, main menu, goodbye; any end is accepted, judged afterwards. */
async function caller(x: Subject): Promise<SimCall> {
  const call = await h.call({ callerNumber: x.ext });
  const steps = (async () => {
    await hears(call, 'welcome', 1, 60_000);
    await call.press(`${PIN}#`);
    x.attempts += 1;
    x.rightTyped = true;
    await hears(call, 'main-menu', 1, 60_000);
    await call.press('9');
  })();
  await Promise.race([steps.catch(() => undefined), call.ended]);
  await endedWithin(call, 60_000);
  return call;
}

async function round(): Promise<void> {
  const subjects = await users(CALLS);
  const calls = Promise.all(subjects.map((x, i) => new Promise<SimCall>((resolve) => setTimeout(() => resolve(caller(x)), i * 5))));
  // Faults while the calls are in progress: Redis killed and back from its AOF, then the socket.
  await new Promise((r) => setTimeout(r, 400));
  await h.redis.restart('SIGKILL', 300);
  tally.faults += 1;
  await new Promise((r) => setTimeout(r, 400));
  h.double.dropWebSockets();
  tally.faults += 1;
  const ended = await calls;
  tally.points += ended.length;
  for (const [i, call] of ended.entries()) {
    const heard = promptsHeard(call);
    const last = heard[heard.length - 1];
    const ok = call.state === 'ended' && (last === 'goodbye' || last === 'temporarily-unavailable');
    if (ok) tally.clean += 1;
    else {
      tally.bad += 1;
      tally.problem(`call ${i}`, [`state ${call.state}, heard ${heard.join(', ')}`]);
    }
  }
  await engineTotalsWhenIdle(h);
  await pool(subjects, 10, async (x, i) => {
    const report = await once(() => checkMailbox(h, x));
    if (report.problems.length === 0) return;
    tally.inconsistent += 1;
    const call = ended[i];
    const heard = call ? promptsHeard(call).join(', ') : '?';
    tally.problem(x.ext, [`${report.problems.join('; ')} (heard ${heard}; audit: ${await auditTrailOf(h, x.userId)})`]);
  });
  // No crash: the application serves the next call.
  const [first] = subjects;
  if (first) {
    const report = await checkMailbox(h, first);
    tally.problem('next call', await nextCallWorks(h, first, report));
  }
}

test(`${CALLS} concurrent calls, Redis restarted and the ARI socket dropped: every call completes or is told`, async () => {
  for (let i = 0; i < (LONG ? 3 : 1); i++) await round();
  expect(tally.problems).toEqual([]);
  expect(tally.clean).toBe(tally.points);
  expect(await engineTotalsWhenIdle(h)).toEqual({ calls: 0, handlers: 0, timers: 0, listeners: 0 });
}, 600_000);
