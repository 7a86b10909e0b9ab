/**
 * What Redis and the engine may hold after a call ended at any point (an attempt whose outcome
 * never arrived stays counted; hanging up part-way loses nothing: a PIN change happened whole
 * or not at all; nothing is half-written when Redis fails), checked against the real state.
 * Each check returns the problems it found (empty = consistent), so a chaos run can count them
 * and report every one at the end.
 */
import { StoreUnavailable } from '../../../src/store/errors';
import { DRAFT_PREFIX } from '../../../src/portal/recording-names';
import type { SimCall } from '../../double/control';
import { hears } from '../../support/portal-harness';
import { describeCall, promptsHeard } from './drive';
import { once, type ChaosHarness } from './harness';
import type { Subject } from './flows';

/**
 * A store call by the checker, through the administrator's own connection. This process also
 * runs the application, the double and the callers: when the machine is saturated its event
 * loop can stall past the store's 1 s command timeout while Redis is healthy. The checker
 * observes the state; it retries such a timeout (a few seconds at most) instead of reporting
 * it. A candidate PIN's verification retried so may count one failure more: the failure
 * count is checked before any verification, so no check sees it.
 */
function observe<T>(read: () => Promise<T>): Promise<T> {
  return once(read, 10_000, (err) => err instanceof StoreUnavailable);
}

/**
 * Wait until the engine let go of the channel (its flow may still be finishing a store call
 * after the hang-up). The wait is only a hang guard, generous for a loaded machine: the state
 * checks must run after it, once nothing can write for that call any more.
 */
export async function engineLeaks(h: ChaosHarness, channelId: string, waitMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = h.app.engine.resourcesFor(channelId);
    if (r.calls + r.handlers + r.timers + r.listeners === 0) return [];
    if (Date.now() > deadline) {
      return [`engine still holds for ${channelId}: ${JSON.stringify(r)}`];
    }
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** The engine's totals once every call is over (waits, as a hang guard, for the last to unwind). */
export async function engineTotalsWhenIdle(h: ChaosHarness, waitMs = 30_000): Promise<ReturnType<ChaosHarness['app']['engine']['resourceTotals']>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const t = h.app.engine.resourceTotals();
    if (t.calls + t.handlers + t.timers + t.listeners === 0 || Date.now() > deadline) return t;
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Which of the subject's candidate PINs opens the mailbox now (at most one must). */
async function workingPin(h: ChaosHarness, x: Subject): Promise<{ pin?: string; problems: string[] }> {
  for (const pin of [...x.pins].reverse()) {
    const v = await observe(() => h.admin.verifyUserPin(x.ext, pin, x.ext));
    if (v.result === 'ok') return { pin, problems: [] };
    if (v.result !== 'invalid') return { problems: [`verifying a candidate PIN gave ${v.result}`] };
  }
  return { problems: ['no candidate PIN opens the mailbox (a PIN change half done?)'] };
}

export interface StateReport {
  problems: string[];
  /** What the next call must ask for first after the PIN. */
  next: 'must-change-passcode' | 'must-record-name' | 'main-menu' | 'admin-menu';
  pin?: string;
  /** Message recordings without a listed message: left for `doctor --fix`. */
  orphanRecordings: number;
  /** Reservations left pending (a release that could not reach Redis): dropped once stale. */
  pendingReservations: number;
}

/**
 * The mailbox's state is one the portal's rules allow:
 * - failures between the wrong PINs answered and the wrong PINs typed (reserve-then-evaluate:
 *   an attempt whose outcome never arrived stays counted), never locked here;
 * - exactly one candidate PIN works; the new one only with the change complete;
 * - a name marked recorded has its recording;
 * - every listed message has its metadata and its audio, in one list only;
 * - no reservation left once the deposit ended (unless `allowPending`: Redis was down);
 * - no draft of a name or greeting left once the call is over (unless `allowDraft`).
 */
export async function checkMailbox(h: ChaosHarness, x: Subject, opts: { allowPending?: boolean; allowDraft?: boolean } = {}): Promise<StateReport> {
  const problems: string[] = [];
  const user = await observe(() => h.admin.getUser(x.userId));
  if (!user) return { problems: ['user vanished'], next: 'main-menu', orphanRecordings: 0, pendingReservations: 0 };
  const least = x.rightTyped ? 0 : x.wrongAnswered;
  if (user.failures < least || user.failures > x.attempts) {
    problems.push(`failures ${user.failures} outside [${least}, ${x.attempts}]`);
  }
  if (user.lockedSince !== undefined) problems.push('mailbox locked');
  const { pin, problems: pinProblems } = await workingPin(h, x);
  problems.push(...pinProblems);
  const after = await observe(() => h.admin.getUser(x.userId));
  if (pin !== undefined && after) {
    const changed = pin !== x.pins[0];
    if (changed && after.mustChange) problems.push('new PIN works but the change is still required');
    if (!changed && x.forcedChange && !after.mustChange) problems.push('old default PIN works but the change is marked done');
    if (x.forcedChange && !after.mustChange && !changed) problems.push('forced change lost');
  }
  if (x.lastTake?.startsWith(DRAFT_PREFIX) && !opts.allowDraft && !(await draftGone(h, x.lastTake))) problems.push(`draft ${x.lastTake} left after the call`);
  const stored = h.double.storedRecordings();
  if (after && !after.mustRecordName && !stored.has(`voice-portal/names/${x.userId}`)) problems.push('name marked recorded without a recording');

  const listed = await observe(() => h.adminMessages.list(x.userId));
  const ids = new Set<string>();
  for (const m of listed) {
    if (ids.has(m.id)) problems.push(`message ${m.id} listed twice`);
    ids.add(m.id);
    if (!stored.has(`voice-portal/vm/${x.userId}/${m.id}`)) problems.push(`message ${m.id} listed without audio`);
  }
  const counts = await observe(() => h.adminMessages.counts(x.userId));
  if (counts.newMessages + counts.oldMessages !== listed.length) problems.push(`counts ${JSON.stringify(counts)} disagree with ${listed.length} listed`);
  const prefix = `voice-portal/vm/${x.userId}/`;
  const orphanRecordings = [...stored.keys()].filter((n) => n.startsWith(prefix) && !ids.has(n.slice(prefix.length))).length;
  const pendingReservations = await pendingCount(h, x.userId);
  if (pendingReservations > 0 && !opts.allowPending) problems.push(`${pendingReservations} reservation(s) left after the call`);
  const next = after?.mustChange ? 'must-change-passcode' : after?.mustRecordName ? 'must-record-name' : 'main-menu';
  return { problems, next, pin, orphanRecordings, pendingReservations };
}

/** A take nobody kept, or one moved into place, is gone once the flow has wound up (within a moment). */
async function draftGone(h: ChaosHarness, take: string): Promise<boolean> {
  for (const deadline = Date.now() + 3000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    if (!h.double.storedRecordings().has(take)) return true;
  }
  return !h.double.storedRecordings().has(take);
}

async function pendingCount(h: ChaosHarness, userId: string): Promise<number> {
  return (await observe(() => h.adminMessages.pending(userId))).length;
}

/**
 * The mailbox's audit trail, oldest first, in one line (`type by actor` per event): beside an
 * inconsistent state in a failure message, it says who counted what.
 */
export async function auditTrailOf(h: ChaosHarness, userId: string): Promise<string> {
  const events = await observe(() => h.admin.readAudit({ userId, limit: 20 }));
  return events.map((e) => `${e.type} by ${e.actor}`).join(', ');
}

/** The admin access of a location: never locked, no failure counted by a correct passcode. */
export async function checkLocation(h: ChaosHarness, x: Subject): Promise<string[]> {
  const location = await observe(() => h.admin.getLocation(x.locationId));
  if (!location) return ['location vanished'];
  const problems: string[] = [];
  if (location.adminLockedSince !== undefined) problems.push('admin access locked');
  if (location.adminFailures > 1) problems.push(`admin failures ${location.adminFailures}`);
  return problems;
}

/** The next call logs in with the PIN that works and is asked for what is still required. */
export async function nextCallWorks(h: ChaosHarness, x: Subject, report: StateReport): Promise<string[]> {
  if (report.pin === undefined) return ['no PIN to log in with'];
  const first = await tryNextCall(h, x, report);
  // The application runs in this test process, with a 1 s Redis command timeout: a stall of
  // this process's event loop past that (a saturated machine, a large GC) makes one command
  // time out although Redis is healthy. One more call tells that apart from a portal that
  // stays broken after the fault, which fails both.
  if (first.problems.length === 0 || !first.toldUnavailable) return first.problems;
  const second = await tryNextCall(h, x, report);
  return second.problems.length === 0 ? [] : [...first.problems, ...second.problems];
}

async function tryNextCall(h: ChaosHarness, x: Subject, report: StateReport): Promise<{ problems: string[]; toldUnavailable: boolean }> {
  let call: SimCall | undefined;
  try {
    call = await h.call({ callerNumber: x.ext });
    await hears(call, 'welcome', 1, 15_000);
    await call.press(`${report.pin}#`);
    await hears(call, report.next, 1, 15_000);
    return { problems: [], toldUnavailable: false };
  } catch (err) {
    const problem = `next call (PIN then ${report.next}): ${call ? describeCall(call) : 'not placed'}; ${err instanceof Error ? err.message.slice(0, 60) : String(err)}`;
    return { problems: [problem], toldUnavailable: call !== undefined && promptsHeard(call).includes('temporarily-unavailable') };
  } finally {
    await call?.hangup();
  }
}
