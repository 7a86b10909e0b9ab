/**
 * Issue #11: the attacks of an outside caller, played against the assembled application (the
 * ARI test double + a real Redis, through test/support/portal-harness.ts). Shared by the
 * end-to-end tests (test/portal/attacks.test.ts), which assert on what each attack got, and by
 * `npm run bench -- attack`, which prints it.
 *
 * The attacker only dials the portal and types keys; what it "got" is read from outside: the
 * mailboxes locked (Redis, through the admin store), the PINs compared with a real hash (an
 * observing hasher injected into the app), the calls refused (what the caller heard).
 *
 * The PINs used here are test values, never printed.
 */
import { checkPepperFingerprint, hashPin, pepperFingerprint, randomPin, verifyPin, type HashParams } from '../../src/security/pin-hash';
import type { PinHasher } from '../../src/store';
import type { CallLogEntry, SimCall } from '../double/control';
import { type Harness } from './portal-harness';

/** Cheap scrypt so that many attempts run fast; the app keeps its real flow. */
const CHEAP: HashParams = { N: 1024, r: 8, p: 1, keyLen: 32 };

/**
 * The app's hasher, observed: counts PIN comparisons against a real hash (what an attacker
 * wants), and can hold comparisons of one chosen PIN open until released (to drive a race).
 */
export interface ObservingHasher extends PinHasher {
  /** PINs compared with a stored hash. */
  compared: number;
  /** Those that did not match. */
  wrong: number;
  /** Hold every comparison of `pin` until `release()`; resolves `held` when one is held. */
  holdPin(pin: string): { held: Promise<void>; release: () => void };
}

export function observingHasher(): ObservingHasher {
  let hold: { pin: string; gate: Promise<void>; onHeld: () => void } | undefined;
  const hasher: ObservingHasher = {
    compared: 0,
    wrong: 0,
    hashPin: (pin, pepper) => hashPin(pin, pepper, CHEAP),
    async verifyPin(pin, stored, pepper) {
      hasher.compared++;
      if (hold && hold.pin === pin) {
        hold.onHeld();
        await hold.gate;
      }
      const { ok } = await verifyPin(pin, stored, pepper);
      if (!ok) hasher.wrong++;
      return { ok, needsRehash: false };
    },
    async dummyVerify(pin, pepper) {
      await hashPin(pin, pepper, CHEAP);
    },
    async matchesAnyHash(pin, hashes, pepper) {
      for (const stored of hashes) if ((await verifyPin(pin, stored, pepper)).ok) return true;
      return false;
    },
    pepperFingerprint: (pepper) => pepperFingerprint(pepper, CHEAP),
    checkPepperFingerprint,
    randomPin,
    holdPin(pin) {
      let release = (): void => undefined;
      let onHeld = (): void => undefined;
      const held = new Promise<void>((r) => {
        onHeld = r;
      });
      const gate = new Promise<void>((r) => {
        release = r;
      });
      hold = { pin, gate, onHeld };
      return {
        held,
        release: () => {
          hold = undefined;
          release();
        },
      };
    },
  };
  return hasher;
}

/** What one login attempt got, from the caller's ear. */
export type AttemptAnswer = 'invalid' | 'locked' | 'service-unavailable' | 'goodbye' | 'main-menu';

const PROMPT = 'sound:voice-portal/';
const ANSWERS: Record<string, AttemptAnswer> = {
  [`${PROMPT}invalid-passcode`]: 'invalid',
  [`${PROMPT}locked`]: 'locked',
  [`${PROMPT}service-unavailable`]: 'service-unavailable',
  [`${PROMPT}goodbye`]: 'goodbye',
  [`${PROMPT}main-menu`]: 'main-menu',
};
/** Real time one step may take (generous: the bench runs on a loaded machine). */
const STEP_MS = 60_000;

/**
 * The first prompt among `uris` that starts after log index `from`. A timeout is reported
 * without the call log, which holds the keys typed at PIN prompts.
 */
async function nextOf(call: SimCall, from: number, uris: string[]): Promise<string> {
  try {
    const entry = await call.waitFor(
      (e: CallLogEntry) => e.kind === 'media-started' && uris.includes(e.uri) && call.log.indexOf(e) >= from,
      STEP_MS,
    );
    return entry.kind === 'media-started' ? entry.uri : '';
  } catch {
    const last = [...call.log].reverse().find((e) => e.kind === 'media-started');
    const lastPrompt = last?.kind === 'media-started' ? last.uri : 'none';
    throw new Error(`no ${uris.join(' or ')} within ${STEP_MS} ms (last prompt started: ${lastPrompt})`);
  }
}

export interface AttemptCall {
  callerNumber: string;
  /** Stasis arguments: `['portal', <loc>]` is a trunk call, `[..., 'internal']` an own phone. */
  args: string[];
  extension: string;
  /** One login per entry: the mailbox, then the PIN (at most 3 per call: after 3 failed logins the portal says goodbye). */
  attempts: { mailbox: string; pin: string }[];
}

/**
 * One call "from another phone": for each attempt, the mailbox then the PIN, each with `#`;
 * stops at the first answer that ends the call. Returns the answers, in order; a call
 * refused before its first mailbox prompt answers 'service-unavailable'.
 */
export async function otherPhoneCall(h: Harness, spec: AttemptCall): Promise<AttemptAnswer[]> {
  const call = await h.double.placeCall({ callerNumber: spec.callerNumber, extension: spec.extension, args: spec.args });
  const answers: AttemptAnswer[] = [];
  try {
    let from = 0;
    for (const [i, { mailbox, pin }] of spec.attempts.entries()) {
      const mailboxPrompt = i === 0 ? 'welcome-enter-mailbox' : 'enter-mailbox';
      const first = await nextOf(call, from, [`${PROMPT}${mailboxPrompt}`, `${PROMPT}service-unavailable`, `${PROMPT}welcome`]);
      if (first === `${PROMPT}welcome`) throw new Error('the portal took this call for an own-phone login');
      if (first === `${PROMPT}service-unavailable`) {
        answers.push('service-unavailable');
        break;
      }
      from = call.log.length;
      await call.press(`${mailbox}#`);
      await nextOf(call, from, [`${PROMPT}enter-passcode`]);
      from = call.log.length;
      await call.press(`${pin}#`);
      const answer = ANSWERS[await nextOf(call, from, Object.keys(ANSWERS))] as AttemptAnswer;
      from = call.log.length;
      answers.push(answer);
      if (answer !== 'invalid') break;
    }
  } finally {
    await call.hangup().catch(() => undefined);
  }
  return answers;
}

/** Own phone (a trusted call from the user's extension): the PIN at the welcome. */
export async function ownPhoneLogin(h: Harness, spec: { extension: string; locationId: string; portal: string; pin: string }): Promise<AttemptAnswer> {
  const call = await h.double.placeCall({ callerNumber: spec.extension, extension: spec.portal, args: ['portal', spec.locationId, 'internal'] });
  try {
    await nextOf(call, 0, [`${PROMPT}welcome`]);
    const from = call.log.length;
    await call.press(`${spec.pin}#`);
    return ANSWERS[await nextOf(call, from, Object.keys(ANSWERS))] as AttemptAnswer;
  } finally {
    await call.hangup().catch(() => undefined);
  }
}

/** A location and its users, all with PIN `pin` and a recorded name. */
export async function seedLocation(
  h: Harness,
  spec: { id: string; portalExtension: string; portalNumber: string; users: number; firstExtension: number; pin: string },
): Promise<{ extensions: string[]; userIds: string[] }> {
  await h.admin.addLocation(
    { id: spec.id, name: spec.id, portalExtension: spec.portalExtension, portalNumber: spec.portalNumber, language: 'en', timeZone: 'Europe/Paris' },
    'attack-rig',
  );
  const extensions: string[] = [];
  const userIds: string[] = [];
  for (let i = 0; i < spec.users; i++) {
    const extension = String(spec.firstExtension + i);
    const user = await h.admin.createUser({ id: `${spec.id}-${extension}`, locationId: spec.id, extension }, 'attack-rig');
    await h.admin.selfServiceSetPin(user.id, spec.pin, 'attack-rig');
    await h.admin.markNameRecorded(user.id, 'attack-rig');
    extensions.push(extension);
    userIds.push(user.id);
  }
  return { extensions, userIds };
}

/** How many of these users are locked now. */
export async function lockedCount(h: Harness, userIds: string[]): Promise<number> {
  let locked = 0;
  for (const id of userIds) if ((await h.admin.getUser(id))?.lockedSince !== undefined) locked++;
  return locked;
}

/** Tally of answers over calls. */
export function tally(answers: AttemptAnswer[][]): Record<AttemptAnswer, number> {
  const counts: Record<AttemptAnswer, number> = { invalid: 0, locked: 0, 'service-unavailable': 0, goodbye: 0, 'main-menu': 0 };
  for (const list of answers) for (const a of list) counts[a]++;
  return counts;
}

// ---- the attacks ---------------------------------------------------------------------------

/** What one attack got: the numbers a security reviewer asks for. */
export interface AttackResult {
  attack: string;
  /** Mailboxes of the attacked location locked at the end. */
  mailboxesLocked: number;
  /** Of how many. */
  mailboxes: number;
  /** PINs compared with a real hash on the attacker's behalf (the guesses that count). */
  pinsEvaluated: number;
  /** Login attempts the attacker made (mailbox + PIN typed, or refused before). */
  attempts: number;
  /** Attempts refused without any PIN evaluated ("service unavailable", or "locked" unevaluated). */
  refused: number;
  calls: number;
  /** One line on what else was seen. */
  detail: string;
}

/** Wrong guesses, none of them a user's PIN. */
const GUESSES = ['864213', '975312', '130864', '246802', '357913'];
const ATTACK_PIN = '502938';

/** Every attempt the attacker made that got no PIN evaluated was refused. */
function withRefused(r: AttackResult): AttackResult {
  return { ...r, refused: r.attempts - r.pinsEvaluated };
}

async function waitUntilTrue(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Spoofed caller ID: from a trunk, the attacker sets the caller ID to each user's extension in
 * turn and types wrong PINs for that mailbox (on the seed, an "own phone" login with no
 * throttle: every mailbox locked for good).
 */
export async function spoofedCallerIdAttack(h: Harness, hasher: ObservingHasher, opts: { users: number; callsPerUser: number }): Promise<AttackResult> {
  const loc = { id: 'spoof', portalExtension: '8201', portalNumber: '+33100000201' };
  const { extensions, userIds } = await seedLocation(h, { ...loc, users: opts.users, firstExtension: 4100, pin: ATTACK_PIN });
  const before = hasher.compared;
  const answers: AttemptAnswer[][] = [];
  for (const extension of extensions) {
    for (let c = 0; c < opts.callsPerUser; c++) {
      const attempts = GUESSES.slice(0, 3).map((pin) => ({ mailbox: extension, pin }));
      answers.push(await otherPhoneCall(h, { callerNumber: extension, args: ['portal', loc.id], extension: loc.portalNumber, attempts }));
    }
  }
  return withRefused({
    attack: 'spoofed caller ID (each user\'s extension, from a trunk)',
    mailboxesLocked: await lockedCount(h, userIds),
    mailboxes: userIds.length,
    pinsEvaluated: hasher.compared - before,
    attempts: answers.flat().length,
    refused: 0,
    calls: answers.length,
    detail: 'every call was asked for the mailbox (no own-phone login from a trunk)',
  });
}

/** The four spellings of one French mobile number (issue #11). */
export const SPELLINGS = ['+33612345999', '0033612345999', '033612345999', '612345999'];

/** Re-spelling one caller ID to get fresh throttle buckets, spraying one guess over many mailboxes. */
export async function spellingsAttack(h: Harness, hasher: ObservingHasher, opts: { users: number }): Promise<AttackResult> {
  const loc = { id: 'spell', portalExtension: '8202', portalNumber: '+33100000202' };
  const { extensions, userIds } = await seedLocation(h, { ...loc, users: opts.users, firstExtension: 4200, pin: ATTACK_PIN });
  const before = hasher.compared;
  const answers: AttemptAnswer[][] = [];
  const refusedSpellings = new Set<string>();
  let next = 0;
  while (refusedSpellings.size < SPELLINGS.length && answers.length < 40) {
    for (const spelling of SPELLINGS) {
      const attempts = [0, 1, 2].map(() => ({ mailbox: extensions[next++ % extensions.length] as string, pin: GUESSES[0] as string }));
      const got = await otherPhoneCall(h, { callerNumber: spelling, args: ['portal', loc.id], extension: loc.portalNumber, attempts });
      if (got.includes('service-unavailable')) refusedSpellings.add(spelling);
      answers.push(got);
    }
  }
  const buckets = (await h.admin.listThrottled()).filter((b) => b.caller.endsWith('612345999'));
  return withRefused({
    attack: 'one number in 4 spellings (+33…, 0033…, 033…, national)',
    mailboxesLocked: await lockedCount(h, userIds),
    mailboxes: userIds.length,
    pinsEvaluated: hasher.compared - before,
    attempts: answers.flat().length,
    refused: 0,
    calls: answers.length,
    detail: `throttle buckets: ${buckets.map((b) => `${b.caller} (${b.failures} failures)`).join(', ')}`,
  });
}

/** Many calling numbers, each below its own limit, spraying one guess over a location's mailboxes. */
export async function distributedSprayAttack(h: Harness, hasher: ObservingHasher, opts: { numbers: number; users: number }): Promise<AttackResult> {
  const loc = { id: 'spray', portalExtension: '8203', portalNumber: '+33100000203' };
  const { extensions, userIds } = await seedLocation(h, { ...loc, users: opts.users, firstExtension: 4300, pin: ATTACK_PIN });
  const before = hasher.compared;
  const answers: AttemptAnswer[][] = [];
  let next = 0;
  for (let n = 0; n < opts.numbers; n++) {
    const callerNumber = `+3361230${String(n).padStart(4, '0')}`;
    const attempts = [0, 1, 2].map(() => ({ mailbox: extensions[next++ % extensions.length] as string, pin: GUESSES[1] as string }));
    answers.push(await otherPhoneCall(h, { callerNumber, args: ['portal', loc.id], extension: loc.portalNumber, attempts }));
  }
  const pinsEvaluated = hasher.compared - before;
  // The organisation's own phones are not affected.
  const own = await ownPhoneLogin(h, { extension: extensions[0] as string, locationId: loc.id, portal: loc.portalExtension, pin: ATTACK_PIN });
  const limit = (await h.admin.getPolicy()).locationThrottlePerHour;
  return withRefused({
    attack: `distributed spray (${opts.numbers} calling numbers)`,
    mailboxesLocked: await lockedCount(h, userIds),
    mailboxes: userIds.length,
    pinsEvaluated,
    attempts: answers.flat().length,
    refused: 0,
    calls: answers.length,
    detail: `location limit ${limit} failures/hour from untrusted calls; an own-phone login afterwards: ${own}`,
  });
}

/**
 * The success race: the user logs in with the right PIN and, while that PIN is being hashed
 * (held open here, deterministically), the attacker's wrong guesses are counted and compared;
 * then the attacker goes on after the success.
 */
export async function successRaceAttack(h: Harness, hasher: ObservingHasher): Promise<AttackResult> {
  const loc = { id: 'race', portalExtension: '8204', portalNumber: '+33100000204' };
  const { extensions, userIds } = await seedLocation(h, { ...loc, users: 1, firstExtension: 4400, pin: ATTACK_PIN });
  const mailbox = extensions[0] as string;
  const wrongBefore = hasher.wrong;
  const before = hasher.compared;
  const hold = hasher.holdPin(ATTACK_PIN);
  const userLogin = ownPhoneLogin(h, { extension: mailbox, locationId: loc.id, portal: loc.portalExtension, pin: ATTACK_PIN });
  await hold.held;
  const answers: AttemptAnswer[][] = [];
  const attack = async (n: number, tries: number): Promise<void> => {
    const attempts = GUESSES.slice(0, tries).map((pin) => ({ mailbox, pin }));
    answers.push(await otherPhoneCall(h, { callerNumber: `+3361240000${n}`, args: ['portal', loc.id], extension: loc.portalNumber, attempts }));
  };
  // While the right PIN is being verified: 3 guesses, then a 4th.
  await attack(1, 3);
  await attack(2, 1);
  hold.release();
  const user = await userLogin;
  // After the success: the attacker goes on.
  await attack(3, 3);
  await attack(4, 1);
  return withRefused({
    attack: 'success race (guesses while a correct login is being verified)',
    mailboxesLocked: await lockedCount(h, userIds),
    mailboxes: 1,
    pinsEvaluated: hasher.compared - before - 1,
    attempts: answers.flat().length,
    refused: 0,
    calls: answers.length,
    detail: `wrong PINs evaluated: ${hasher.wrong - wrongBefore} (maxFailures ${(await h.admin.getPolicy()).maxFailures}); the user's login: ${user}`,
  });
}

/** Many simultaneous wrong PINs on one mailbox, all reserved before any is compared. */
export async function parallelGuessesAttack(h: Harness, hasher: ObservingHasher, opts: { calls: number }): Promise<AttackResult> {
  const loc = { id: 'par', portalExtension: '8205', portalNumber: '+33100000205' };
  const { extensions, userIds } = await seedLocation(h, { ...loc, users: 1, firstExtension: 4500, pin: ATTACK_PIN });
  const mailbox = extensions[0] as string;
  const max = (await h.admin.getPolicy()).maxFailures;
  const before = hasher.compared;
  const hold = hasher.holdPin(GUESSES[2] as string);
  let answered = 0;
  // Internal phones that are nobody's (each its own throttle bucket). The calls ring a few ms
  // apart (a loaded machine must not starve them), but their attempts are in flight together:
  // the first maxFailures are held in the hasher until every other one has been answered.
  const calls: Promise<AttemptAnswer[]>[] = [];
  for (let i = 0; i < opts.calls; i++) {
    calls.push(
      otherPhoneCall(h, {
        callerNumber: String(6000 + i),
        args: ['portal', loc.id, 'internal'],
        extension: loc.portalExtension,
        attempts: [{ mailbox, pin: GUESSES[2] as string }],
      }).then((a) => {
        answered++;
        return a;
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  await waitUntilTrue(() => answered === opts.calls - max && hasher.compared - before === max, 'the attempts beyond the limit are answered', 120_000);
  hold.release();
  const answers = await Promise.all(calls);
  const user = await h.admin.getUser(userIds[0] as string);
  return withRefused({
    attack: `${opts.calls} simultaneous wrong PINs on one mailbox`,
    mailboxesLocked: await lockedCount(h, userIds),
    mailboxes: 1,
    pinsEvaluated: hasher.compared - before,
    attempts: answers.flat().length,
    refused: 0,
    calls: answers.length,
    detail: `stored failure count afterwards: ${user?.failures ?? '?'} (maxFailures ${max})`,
  });
}

/**
 * Clock skew: a second application instance whose clock is 2 h behind counts the attacker's
 * failures; the attacker then calls the main instance, hoping the window was reset.
 */
export async function clockSkewAttack(h: Harness, hasher: ObservingHasher, skewed: import('../../src/store').Store): Promise<AttackResult> {
  const loc = { id: 'skew', portalExtension: '8206', portalNumber: '+33100000206' };
  const { extensions, userIds } = await seedLocation(h, { ...loc, users: 12, firstExtension: 4600, pin: ATTACK_PIN });
  const caller = '+33612349999';
  const limit = (await h.admin.getPolicy()).throttlePerHour;
  for (let i = 0; i < limit - 1; i++) {
    await skewed.verifyUserPin(extensions[i % extensions.length] as string, GUESSES[3] as string, caller, loc.id, { trusted: false });
  }
  const before = hasher.compared;
  const answers: AttemptAnswer[][] = [];
  let next = limit;
  while (!answers.some((a) => a.includes('service-unavailable')) && answers.length < 10) {
    const attempts = [0, 1, 2].map(() => ({ mailbox: extensions[next++ % extensions.length] as string, pin: GUESSES[3] as string }));
    answers.push(await otherPhoneCall(h, { callerNumber: caller, args: ['portal', loc.id], extension: loc.portalNumber, attempts }));
  }
  return withRefused({
    attack: 'clock skew (an instance 2 h behind counted the first failures)',
    mailboxesLocked: await lockedCount(h, userIds),
    mailboxes: userIds.length,
    pinsEvaluated: hasher.compared - before,
    attempts: answers.flat().length,
    refused: 0,
    calls: answers.length,
    detail: `${limit - 1} failures counted by the skewed instance first; throttle limit ${limit} per caller`,
  });
}

/**
 * Enumeration across attempts: the same guesses on a real mailbox, a number nobody has and a
 * mailbox with no PIN, from another phone. Returns each one's answers (they must be equal).
 */
export async function enumerationProbe(h: Harness): Promise<{ real: AttemptAnswer[]; unknown: AttemptAnswer[]; noPin: AttemptAnswer[] }> {
  const loc = { id: 'enum', portalExtension: '8207', portalNumber: '+33100000207' };
  const { extensions } = await seedLocation(h, { ...loc, users: 1, firstExtension: 4700, pin: ATTACK_PIN });
  await h.admin.createUser({ id: 'enum-nopin', locationId: loc.id, extension: '4799' }, 'attack-rig');
  const probe = async (mailbox: string, n: number): Promise<AttemptAnswer[]> => {
    const answers: AttemptAnswer[] = [];
    // Two calls of 3 guesses and a last call: through the lock.
    for (let c = 0; c < 3; c++) {
      const attempts = GUESSES.slice(0, c < 2 ? 3 : 1).map((pin) => ({ mailbox, pin }));
      answers.push(...(await otherPhoneCall(h, { callerNumber: `+3361250${n}${c}00`, args: ['portal', loc.id], extension: loc.portalNumber, attempts })));
    }
    return answers;
  };
  return { real: await probe(extensions[0] as string, 1), unknown: await probe('4788', 2), noPin: await probe('4799', 3) };
}
