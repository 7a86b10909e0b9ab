/**
 * Login from one's own phone (the PIN only) or from another phone (mailbox, then PIN). The
 * store does the counting (reserve-then-evaluate, lockout, spray throttle); this flow decides
 * what the caller hears.
 *
 * How many attempts remain before the lock is told only on one's own phone, where the mailbox
 * is the caller's own and was not typed: there it helps the owner and tells nobody anything
 * about other mailboxes. From another phone it is never told, because the count would tell
 * mailboxes apart: a real mailbox keeps its failures until its owner logs in, while a number
 * nobody has forgets them after a day, so the same guesses would be answered differently.
 */
import type { LoginOrigin } from '../store';
import type { Location } from '../store/types';
import type { AdminVerifyResult, User, VerifyResult } from '../store/types';
import { adminMenu } from './admin-menu';
import { changePin } from './change-pin';
import { mainMenu } from './main-menu';
import { recordPersonalName } from './personal-name';
import type { PromptId } from './prompts';
import { CallerGaveUp, type Session } from './session';

/** Counted over the whole call, whatever the path. */
interface CallCounters {
  failedLogins: number;
  emptyEntries: number;
}

/** Deposits carry no trust mark (their Stasis arguments are `deposit,<ext>,busy|unavailable`). */
const UNTRUSTED: LoginOrigin = { trusted: false };

/**
 * `origin`: what the dialplan said about the call (issue #11). Only a trusted call whose
 * caller ID is a user's is that user's "own phone" (`own`, found by the caller when the call
 * began); any other call logs in as "another phone" (mailbox, then PIN), whatever its
 * caller ID says.
 */
export async function login(s: Session, location: Location, origin: LoginOrigin, own: User | null): Promise<void> {
  const counters: CallCounters = { failedLogins: 0, emptyEntries: 0 };
  const caller = s.call.callerNumber;
  if (!own) return otherPhoneLogin(s, location, counters, 'welcome-enter-mailbox', origin);

  // Own phone: that mailbox is assumed; its owner's language from the first word.
  s.lang = own.language ?? location.language;
  let prompts: PromptId[] = ['welcome'];
  for (;;) {
    const entry = await s.readEntry(prompts, { starIsKey: true });
    if (entry.kind === 'star') {
      s.lang = location.language;
      return otherPhoneLogin(s, location, counters, 'enter-mailbox', origin);
    }
    if (entry.kind === 'empty') {
      countEmpty(s, counters);
      prompts = ['enter-passcode'];
      continue;
    }
    // The admin passcode typed here is just a wrong PIN for this mailbox.
    const verdict = await s.deps.store.verifyUserPin(own.extension, entry.value, caller, undefined, origin, own);
    if (verdict.result === 'ok') return afterUserLogin(s, verdict);
    const warning = verdict.result === 'invalid' ? attemptsLeftWarning(verdict.attemptsLeft) : [];
    if ((await afterFailure(s, verdict, counters, warning)) === 'ended') return;
    prompts = ['invalid-passcode', ...warning, 'enter-passcode'];
  }
}

/**
 * Not one's own phone (`*`), an unknown caller ID or an untrusted call: the mailbox, then its
 * PIN. The location's portal number or extension typed as the mailbox asks for the admin
 * passcode instead.
 */
async function otherPhoneLogin(
  s: Session,
  location: Location,
  counters: CallCounters,
  greeting: 'welcome-enter-mailbox' | 'enter-mailbox',
  origin: LoginOrigin,
): Promise<void> {
  const caller = s.call.callerNumber;
  if (!(await mayLogInFromOtherPhone(s, caller))) return;
  let prompts: PromptId[] = [greeting];
  for (;;) {
    const mailbox = await s.readEntry(prompts);
    if (mailbox.kind !== 'digits') {
      countEmpty(s, counters);
      prompts = ['enter-mailbox'];
      continue;
    }
    const pin = await s.readEntry(['enter-passcode']);
    if (pin.kind !== 'digits') {
      countEmpty(s, counters);
      prompts = ['enter-mailbox'];
      continue;
    }
    if (isPortalOf(location, mailbox.value)) {
      const verdict = await s.deps.store.verifyAdminPasscode(location.id, pin.value, caller, origin);
      if (verdict.result === 'ok') {
        s.deps.metrics.login('ok');
        s.log.info('admin login', { location: location.id });
        return adminMenu(s, location.id);
      }
      if ((await afterFailure(s, verdict, counters)) === 'ended') return;
    } else {
      // An unknown mailbox, or one with no PIN, answers exactly like a wrong PIN, through the
      // lock too (rule 7, issue #11): the store counts it the same way.
      const verdict = await s.deps.store.verifyUserPin(mailbox.value, pin.value, caller, location.id, origin);
      if (verdict.result === 'ok') {
        const user = await s.deps.store.getUser(verdict.userId);
        s.lang = user?.language ?? location.language;
        return afterUserLogin(s, verdict);
      }
      if ((await afterFailure(s, verdict, counters)) === 'ended') return;
    }
    prompts = ['invalid-passcode', 'enter-mailbox'];
  }
}

/**
 * The owner pressed `*` during their mailbox's greeting (a deposit call, issue step 6): the
 * mailbox is known, so only its PIN is asked (counted, locked, "not valid" and 3 failures
 * per call as any login). A deposit call carries no trust mark, so this is an untrusted login
 * (issue #11): through the throttles, and a mailbox with no PIN answers like a wrong PIN.
 */
export async function loginToMailbox(s: Session, user: Pick<User, 'extension'>): Promise<void> {
  if (!(await mayLogInFromOtherPhone(s, s.call.callerNumber))) return;
  const counters: CallCounters = { failedLogins: 0, emptyEntries: 0 };
  let prompts: PromptId[] = ['enter-passcode'];
  for (;;) {
    const entry = await s.readEntry(prompts);
    if (entry.kind !== 'digits') {
      countEmpty(s, counters);
      prompts = ['enter-passcode'];
      continue;
    }
    const verdict = await s.deps.store.verifyUserPin(user.extension, entry.value, s.call.callerNumber, undefined, UNTRUSTED);
    if (verdict.result === 'ok') return afterUserLogin(s, verdict);
    if ((await afterFailure(s, verdict, counters)) === 'ended') return;
    prompts = ['invalid-passcode', 'enter-passcode'];
  }
}

/**
 * The administrator may refuse logins to another mailbox from callers outside the
 * organisation (a caller ID that is no user's and no portal's). Refused callers hear "service
 * unavailable"; no mailbox or PIN is asked for.
 */
async function mayLogInFromOtherPhone(s: Session, caller: string): Promise<boolean> {
  const policy = await s.deps.store.getPolicy();
  if (!policy.refuseOutsideStarLogin || (await s.deps.store.isOrganisationCaller(caller))) return true;
  s.log.warn('login from outside the organisation refused by policy', { anonymous: caller === '' });
  s.deps.metrics.login('refused');
  await s.endWith('service-unavailable');
  return false;
}

/**
 * What a correct PIN leads to, as the mailbox's state says: the forced PIN change and a new
 * name (first login, after a reset), or the name alone, then the main menu. Straight to the
 * menu, the message counts read as the login settled are the ones announced; after a detour
 * (minutes, maybe) the menu reads them afresh.
 */
async function afterUserLogin(s: Session, ok: Extract<VerifyResult, { result: 'ok' }>): Promise<void> {
  s.deps.metrics.login('ok');
  s.log.info('user login', { user: ok.userId, mustChange: ok.mustChange, mustRecordName: ok.mustRecordName });
  if (!ok.mustChange && !ok.mustRecordName) return mainMenu(s, ok.userId, ok.messages);
  if (ok.mustChange) {
    await changePin(s, ok.userId, { intro: 'must-change-passcode' });
  } else {
    await s.say('must-record-name');
  }
  await recordPersonalName(s, ok.userId);
  return mainMenu(s, ok.userId);
}

type Failure = Exclude<VerifyResult | AdminVerifyResult, { result: 'ok' }>;

/** "You have one (two) attempt(s) left before your mailbox is locked", when it gets that low. */
function attemptsLeftWarning(attemptsLeft: number): PromptId[] {
  if (attemptsLeft === 1) return ['one-attempt-left'];
  if (attemptsLeft === 2) return ['two-attempts-left'];
  return [];
}

/**
 * Tell the caller; 'retry' when another attempt is allowed in this call. `warning`: what the
 * caller is told of the attempts left (own phone only), also when the call ends here.
 */
async function afterFailure(s: Session, verdict: Failure, counters: CallCounters, warning: PromptId[] = []): Promise<'retry' | 'ended'> {
  s.deps.metrics.login(verdict.result === 'no-pin' ? 'refused' : verdict.result);
  switch (verdict.result) {
    case 'invalid':
      counters.failedLogins += 1;
      s.log.info('login failed', { failedLoginsThisCall: counters.failedLogins });
      if (counters.failedLogins >= s.timings.maxLoginFailures) {
        await s.say('invalid-passcode', ...warning);
        throw new CallerGaveUp('too many failed logins in one call');
      }
      return 'retry';
    case 'locked':
      s.log.warn('login refused: locked');
      await s.endWith('locked');
      return 'ended';
    case 'no-pin':
      await s.endWith('no-passcode-set');
      return 'ended';
    case 'throttled':
      s.log.warn('login refused: calling number throttled');
      await s.endWith('service-unavailable');
      return 'ended';
  }
}

function countEmpty(s: Session, counters: CallCounters): void {
  counters.emptyEntries += 1;
  if (counters.emptyEntries > s.timings.maxNoInput) throw new CallerGaveUp('no input');
}

function digitsOnly(value: string | undefined): string {
  return (value ?? '').replace(/\D/g, '');
}

/** The location's own portal number or extension, typed as a mailbox: the admin login. */
function isPortalOf(location: Location, mailbox: string): boolean {
  return mailbox === location.portalExtension || (location.portalNumber !== undefined && mailbox === digitsOnly(location.portalNumber));
}
