/**
 * Issue #13 item 2, Redis faults at every step (callers hear "temporarily unavailable", nothing
 * is half-written, the application recovers by itself): with the application's path to
 * Redis broken while calls stand at each step of each flow —
 * - stopped: the redis-server process frozen (SIGSTOP): connections open, nothing answered;
 * - reset: every connection reset and new ones refused (the proxy answers RST);
 * - slow: every reply held back 3 s (the app's commands time out first) —
 * each caller either completes the flow (nothing needed Redis meanwhile) or hears
 * "temporarily unavailable" and the call ends, never left in silence longer than the bound
 * the application's own Redis timeouts give; no record is half-written; once Redis is back
 * the next call works, with no restart. Calls of a batch are started staggered (from one
 * timed complete run of each flow) so that they all stand at their step when the fault hits.
 *
 * Also: every write the application sends to Redis while running every flow is one script,
 * one transaction, or a single-key command (observed with MONITOR), so no multi-key change
 * can be half-done.
 */
import Redis from 'ioredis';
import { COMMAND_TIMEOUT_MS } from '../../src/store/connection';
import { READY_WAIT_MS } from '../../src/store/context';
import type { SimCall } from '../double/control';
import { checkLocation, checkMailbox, engineLeaks, engineTotalsWhenIdle, nextCallWorks } from './support/checks';
import { driveSteps, endedWithin, longestSilence, promptsHeard, type Driven } from './support/drive';
import { FLOWS, type Flow, type Subject } from './support/flows';
import { BUSY_MACHINE_ALLOWANCE_MS, LONG, once, seedOrganisation, startChaosHarness, type ChaosHarness } from './support/harness';
import { ChaosTally } from './support/summary';
import { within } from '../support/within';

type FaultKind = 'stopped' | 'reset' | 'slow';
const KINDS: FaultKind[] = ['stopped', 'reset', 'slow'];
/** How long each fault lasts (real ms): longer than a command timeout plus the ready wait. */
const FAULT_MS = 3500;
const SLOW_REPLY_MS = 3000;
/**
 * The longest silence a caller may meet: the application's own Redis bounds (wait for a
 * ready connection, then the command timeout), twice (a flow's clean-up may make one more
 * store call before the notice), plus the busy-machine allowance.
 */
const SILENCE_BOUND_MS = 2 * (READY_WAIT_MS + COMMAND_TIMEOUT_MS) + BUSY_MACHINE_ALLOWANCE_MS;

let h: ChaosHarness;
const tally = new ChaosTally('redis faults');
let run = 0;
/** Per flow: real ms from placing the call until each step is done (one complete run). */
const stepTimes = new Map<Flow, number[]>();

beforeAll(async () => {
  h = await startChaosHarness();
  await seedOrganisation(h.admin);
  for (const flow of FLOWS) {
    const x = await flow.prepare(h, run++);
    const t0 = Date.now();
    const call = await flow.place(h, x);
    const times: number[] = [];
    for (const step of flow.steps) {
      await step.act(call, x);
      times.push(Date.now() - t0);
    }
    await call.ended;
    stepTimes.set(flow, times);
  }
}, 120_000);
afterAll(async () => {
  tally.print(h ? await h.redisStalls() : '');
  await h?.close();
});

interface Point {
  flow: Flow;
  /** Steps done before the fault. */
  upTo: number;
}

function inject(kind: FaultKind): () => void {
  switch (kind) {
    case 'stopped':
      h.redis.freeze();
      return () => h.redis.thaw();
    case 'reset':
      h.proxy.setMode('refuse');
      return () => h.proxy.heal();
    case 'slow':
      h.proxy.setReplyDelay(SLOW_REPLY_MS);
      return () => h.proxy.heal();
  }
}

interface Running {
  point: Point;
  x: Subject;
  call?: SimCall;
  reached: Promise<Driven>;
}

async function batch(points: Point[], kind: FaultKind): Promise<void> {
  const prefix = (p: Point): number => (p.upTo === 0 ? 0 : (stepTimes.get(p.flow)?.[p.upTo - 1] ?? 0));
  const longest = Math.max(...points.map(prefix));
  const subjects = await Promise.all(points.map((p) => p.flow.prepare(h, run++)));
  const t0 = Date.now();
  const running: Running[] = points.map((point, i) => {
    const x = subjects[i] as Subject;
    const r: Running = { point, x, reached: Promise.resolve({ outcome: 'completed' }) };
    r.reached = (async () => {
      await new Promise((res) => setTimeout(res, longest - prefix(point)));
      r.call = await point.flow.place(h, x);
      return driveSteps(r.call, x, point.flow.steps.slice(0, point.upTo));
    })();
    return r;
  });
  // Every call at its step (or a little late: it is then at a later step, still a point).
  await within(Promise.all(running.map((r) => r.reached)), longest + 3000);
  tally.points += points.length;
  tally.faults += 1;
  const faultAt = Date.now();
  const heal = inject(kind);
  const rest = running.map(async (r) => {
    const before = await r.reached;
    if (before.outcome !== 'completed' || !r.call) return before;
    return driveSteps(r.call, r.x, r.point.flow.steps, r.point.upTo);
  });
  await new Promise((res) => setTimeout(res, FAULT_MS));
  heal();
  const outcomes = await Promise.all(rest);
  void t0;
  for (const [i, r] of running.entries()) {
    const where = `${kind} @ ${r.point.flow.name} step ${r.point.upTo} (${r.point.flow.steps[r.point.upTo - 1]?.label ?? 'placing the call'})`;
    const call = r.call;
    const outcome = outcomes[i] as Driven;
    if (!call) {
      tally.bad += 1;
      tally.problem(where, ['call never placed']);
      continue;
    }
    await endedWithin(call, 15_000);
    const heard = promptsHeard(call);
    const problems: string[] = [];
    if (outcome.outcome === 'stuck') problems.push(`stuck: ${outcome.error}`);
    if (call.state !== 'ended') problems.push('call still up');
    const told = heard.includes('temporarily-unavailable');
    if (told && heard[heard.length - 1] !== 'temporarily-unavailable') problems.push(`heard more after the notice: ${heard.slice(-3).join(', ')}`);
    if (!told && heard[heard.length - 1] !== r.point.flow.lastPrompt) problems.push(`neither completed nor told: ${heard.slice(-4).join(', ')}`);
    const silence = longestSilence(call, faultAt);
    if (silence > SILENCE_BOUND_MS) problems.push(`${silence} ms of silence (bound ${SILENCE_BOUND_MS})`);
    if (problems.length > 0) tally.bad += 1;
    else tally.clean += 1;
    tally.problem(where, problems);

    const leaks = await engineLeaks(h, call.channelId);
    tally.leaks += leaks.length;
    tally.problem(where, leaks);
    // Redis is back: the state is one the portal's rules allow, and the next call works.
    const report = await once(() => checkMailbox(h, r.x, { allowPending: true }));
    const state = [...report.problems, ...(r.x.locationId !== 'paris' ? await checkLocation(h, r.x) : []), ...(await nextCallWorks(h, r.x, report))];
    if (state.length > 0) tally.inconsistent += 1;
    tally.problem(where, state);
  }
}

/** The points of a flow: CI takes a spread sample of the main kinds, the long run takes all. */
function pointsOf(flow: Flow): Point[] {
  const all = flow.steps.map((s, i) => ({ flow, upTo: i + 1, kind: s.kind }));
  if (LONG) return all;
  const main = all.filter((p) => p.kind !== 'mid-prompt');
  const stride = Math.max(1, Math.floor(main.length / 3));
  return main.filter((_, i) => i % stride === Math.floor(stride / 2));
}

test('a Redis fault at each step: completed or "temporarily unavailable", nothing half-written, next call works', async () => {
  const points = FLOWS.flatMap(pointsOf).sort((a, b) => (stepTimes.get(a.flow)?.[a.upTo - 1] ?? 0) - (stepTimes.get(b.flow)?.[b.upTo - 1] ?? 0));
  const size = 10;
  const batches: Point[][] = [];
  for (let i = 0; i < points.length; i += size) batches.push(points.slice(i, i + size));
  let n = 0;
  for (const b of batches) {
    for (const kind of LONG ? KINDS : [KINDS[n % KINDS.length] as FaultKind]) await batch(b, kind);
    n += 1;
  }
  expect(tally.problems).toEqual([]);
  expect(await engineTotalsWhenIdle(h)).toEqual({ calls: 0, handlers: 0, timers: 0, listeners: 0 });
}, LONG ? 1_800_000 : 600_000);

/** Redis commands that change data (the ones the store can send). */
const WRITES = new Set([
  'set', 'setex', 'psetex', 'setnx', 'del', 'unlink', 'expire', 'pexpire', 'pexpireat', 'expireat', 'persist',
  'hset', 'hmset', 'hdel', 'hincrby', 'hsetnx', 'incr', 'incrby', 'decr', 'decrby',
  'sadd', 'srem', 'zadd', 'zrem', 'zincrby', 'zremrangebyscore', 'zremrangebyrank', 'lpush', 'rpush', 'lpop', 'rpop', 'ltrim', 'lrem',
  'xadd', 'xtrim', 'rename', 'publish',
]);

test('every write the application makes is one script, one transaction or a single-key command', async () => {
  const monitor = new Redis({ host: '127.0.0.1', port: h.redis.port, lazyConnect: true });
  await monitor.connect();
  // The application's connections (named voice-portal*) were opened before MONITOR started.
  const clientList = String(await monitor.client('LIST'));
  const m = await monitor.monitor();
  // Lines as Redis prints them: `<time> [<db> <addr>] "cmd" "arg"…`; Lua's own calls say `lua`.
  const seen: { source: string; args: string[] }[] = [];
  m.on('monitor', (_time: string, args: string[], source: string) => seen.push({ source, args }));
  for (const flow of FLOWS) {
    const x = await flow.prepare(h, run++);
    const call = await flow.place(h, x);
    const driven = await driveSteps(call, x, flow.steps);
    expect(driven).toEqual({ outcome: 'completed' });
    await call.ended;
  }
  await new Promise((r) => setTimeout(r, 200));
  m.disconnect();
  monitor.disconnect();
  // The test's own set-up goes through the admin connection: only the app's connections count.
  const appClients = new Set(
    clientList
      .split('\n')
      .filter((line) => / name=voice-portal/.test(line))
      .map((line) => /addr=(\S+)/.exec(line)?.[1] ?? ''),
  );
  const inMulti = new Set<string>();
  const standalone = new Map<string, number>();
  let scripts = 0;
  for (const { source, args } of seen) {
    if (source === 'lua' || !appClients.has(source)) continue;
    const cmd = (args[0] ?? '').toLowerCase();
    if (cmd === 'multi') inMulti.add(source);
    else if (cmd === 'exec' || cmd === 'discard') inMulti.delete(source);
    else if (cmd === 'evalsha' || cmd === 'eval') scripts += 1;
    else if (WRITES.has(cmd) && !inMulti.has(source)) {
      // A standalone write must touch one key (its first argument) and nothing else.
      const multiKey = cmd === 'del' || cmd === 'unlink' ? args.length > 2 : cmd === 'rename';
      const label = `${cmd}${multiKey ? ' (several keys)' : ''}`;
      standalone.set(label, (standalone.get(label) ?? 0) + 1);
    }
  }
  expect(appClients.size).toBeGreaterThan(0);
  expect(scripts).toBeGreaterThan(0);
  expect([...standalone.keys()].filter((k) => k.includes('several keys'))).toEqual([]);
  process.stdout.write(`app writes outside scripts: ${JSON.stringify(Object.fromEntries(standalone))}; scripts run: ${scripts}\n`);
}, 120_000);
