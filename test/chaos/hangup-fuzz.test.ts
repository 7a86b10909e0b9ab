/**
 * Issue #13 item 1, hang-up fuzz: every flow, driven step by step, with the caller hanging
 * up after each step (a prompt starting, half-way through it, waiting for a key, half an
 * entry typed, right after `#`, in the middle of a recording). After each:
 * - the engine holds nothing for that channel (call object, flow, verb timers, listeners);
 * - the mailbox is in a state the portal's rules allow (see checks.ts);
 * - the next call logs in and is asked for what is still required.
 * A complete run of each flow first checks the step list itself.
 */
import { checkLocation, checkMailbox, engineLeaks, engineTotalsWhenIdle, nextCallWorks } from './support/checks';
import { describeCall, endedWithin, promptsHeard } from './support/drive';
import { FLOWS, type Flow } from './support/flows';
import { LONG, pool, seedOrganisation, startChaosHarness, type ChaosHarness } from './support/harness';
import { ChaosTally } from './support/summary';

let h: ChaosHarness;
const tally = new ChaosTally('hang-up fuzz');
let run = 0;

beforeAll(async () => {
  h = await startChaosHarness();
  await seedOrganisation(h.admin);
});
afterAll(async () => {
  tally.print(h ? await h.redisStalls() : '');
  await h?.close();
});

/**
 * Run `flow` up to `upTo` steps, then hang up (or let it finish when upTo is every step).
 * The application runs in this process with a 1 s Redis command timeout: a stall of this
 * process past it (a saturated machine) makes a healthy portal say "temporarily unavailable"
 * and a step fail. Such a point is run once more with a fresh mailbox; a portal that is
 * really broken at that point fails both.
 */
async function point(flow: Flow, upTo: number): Promise<void> {
  const where = `${flow.name} @ ${upTo === flow.steps.length ? 'complete' : flow.steps[upTo - 1]?.label}`;
  tally.points += 1;
  const first = await attempt(flow, upTo, where);
  if (first === 'steps ran') return;
  const second = first.toldUnavailable ? await attempt(flow, upTo, where) : first;
  if (second === 'steps ran') return;
  tally.bad += 1;
  tally.problem(where, second === first ? [first.problem] : [first.problem, `once more: ${second.problem}`]);
}

interface StepFailure {
  problem: string;
  toldUnavailable: boolean;
}

/**
 * One run of the point: a step that failed is returned for `point` to judge; once the steps
 * ran, the call's end, the engine and the mailbox are checked and counted here.
 */
async function attempt(flow: Flow, upTo: number, where: string): Promise<StepFailure | 'steps ran'> {
  const x = await flow.prepare(h, run++);
  const call = await flow.place(h, x);
  try {
    for (const step of flow.steps.slice(0, upTo)) await step.act(call, x);
  } catch (err) {
    await call.hangup();
    return {
      problem: `step failed: ${describeCall(call)}; ${err instanceof Error ? err.message.slice(0, 60) : String(err)}`,
      toldUnavailable: promptsHeard(call).includes('temporarily-unavailable'),
    };
  }
  if (upTo < flow.steps.length) {
    tally.faults += 1;
    await call.hangup();
  }
  const end = await endedWithin(call, 15_000);
  if (!end) {
    tally.bad += 1;
    tally.problem(where, ['call did not end']);
    return 'steps ran';
  }
  if (upTo === flow.steps.length && end.by !== 'app-hangup') tally.problem(where, [`complete run ended by ${end.by}`]);
  tally.clean += 1;
  const leaks = await engineLeaks(h, call.channelId);
  tally.leaks += leaks.length;
  tally.problem(where, leaks);
  const report = await checkMailbox(h, x);
  const state = [...report.problems, ...(x.locationId !== 'paris' ? await checkLocation(h, x) : []), ...(await nextCallWorks(h, x, report))];
  if (state.length > 0) tally.inconsistent += 1;
  tally.problem(where, state);
  return 'steps ran';
}

const WIDTH = 8;

/**
 * CI: every third point of each flow (shifted from flow to flow, so each kind of point is hit
 * in most flows) and the complete run; the long run: every point, twice.
 */
function upTosOf(flow: Flow, index: number): number[] {
  const all = Array.from({ length: flow.steps.length }, (_, i) => i + 1);
  if (LONG) return [...all, ...all];
  return all.filter((upTo) => upTo === flow.steps.length || upTo % 3 === index % 3);
}

test.each(FLOWS.map((f, i) => [f.name, f, i] as const))('hang-up at every step: %s', async (_name, flow, index) => {
  const before = tally.problems.length;
  await pool(upTosOf(flow, index), WIDTH, (upTo) => point(flow, upTo));
  expect(tally.problems.slice(before)).toEqual([]);
}, 240_000);

test('the engine holds nothing once every call is over', async () => {
  const totals = await engineTotalsWhenIdle(h);
  expect(totals).toEqual({ calls: 0, handlers: 0, timers: 0, listeners: 0 });
  expect(tally.leaks).toBe(0);
});
