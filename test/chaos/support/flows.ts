/**
 * Every call flow of the portal as a list of caller steps, fine-grained enough that stopping
 * after any prefix lands at one of the injection points: a prompt starting, the
 * middle of a prompt, the middle of an entry (half the keys typed), right after `#`, the
 * middle of a recording. Each flow also says how to prepare a fresh mailbox for one run and
 * keeps, in its `Subject`, what the caller has done so far (PINs that may be valid now,
 * wrong PINs typed and answered), which is what the state checks need.
 */
import type { SimCall } from '../../double/control';
import { ADMIN_PASSCODE, DEFAULT_PIN, hears, heardToEnd, PARIS } from '../../support/portal-harness';
import { CHAOS_TIME_SCALE, type ChaosHarness } from './harness';

export interface Subject {
  userId: string;
  ext: string;
  /** The location the call is for (admin flows get a location of their own). */
  locationId: string;
  portalExtension: string;
  /** PINs that may be the valid one, oldest first: the one before the call, then a new one typed. */
  pins: string[];
  /** The mailbox started on the default PIN (forced change). */
  forcedChange: boolean;
  /**
   * PIN attempts whose `#` was pressed, whether one of them was the right PIN, and the wrong
   * ones the caller was told were not valid: reserve-then-evaluate allows any count between
   * the failures answered (0 once a right PIN may have been evaluated) and the attempts typed.
   */
  attempts: number;
  rightTyped: boolean;
  wrongAnswered: number;
  /** Seeded voice messages (ids), oldest first. */
  messages: string[];
  deposit: boolean;
  /** The stored recording the caller's latest take went to (a draft under review). */
  lastTake?: string;
}

export interface Step {
  label: string;
  kind: 'prompt-start' | 'mid-prompt' | 'waiting-for-key' | 'mid-entry' | 'after-key' | 'mid-recording' | 'after-#';
  act(c: SimCall, x: Subject): Promise<void>;
}

export interface Flow {
  name: string;
  prepare(h: ChaosHarness, n: number): Promise<Subject>;
  place(h: ChaosHarness, x: Subject): Promise<SimCall>;
  steps: Step[];
  /** What a complete run hears, for the self-check of the step list. */
  lastPrompt: string;
}

const PIN = '502938';
const NEW_PIN = '860412';
const WRONG_PIN = '111999';
/** Real milliseconds for "the middle" of something short at CHAOS_TIME_SCALE. */
const MID_MS = Math.max(10, Math.round(600 * CHAOS_TIME_SCALE));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A prompt: its start, then its middle. `uri` of a recording works too. */
function prompt(id: string | ((x: Subject) => string), occurrence = 1, opts: { thenWait?: boolean } = {}): Step[] {
  const name = (x: Subject): string => (typeof id === 'string' ? id : id(x));
  const label = typeof id === 'string' ? id : 'recording';
  const steps: Step[] = [
    { label: `${label}#${occurrence} starts`, kind: 'prompt-start', act: (c, x) => hears(c, name(x), occurrence, 15_000) },
    { label: `${label}#${occurrence} half-way`, kind: 'mid-prompt', act: () => sleep(MID_MS) },
  ];
  if (opts.thenWait) {
    steps.push({ label: `${label}#${occurrence} over, waiting for a key`, kind: 'waiting-for-key', act: (c, x) => heardToEnd(c, name(x), occurrence, 15_000) });
  }
  return steps;
}

/** One menu key. */
function key(k: string): Step[] {
  return [{ label: `key ${k}`, kind: 'after-key', act: (c) => c.press(k) }];
}

/** Digits then `#`: half of them typed, then the rest with `#`. `after` runs once `#` is pressed. */
function entry(what: string, digits: (x: Subject) => string, after?: (x: Subject) => void): Step[] {
  return [
    { label: `${what} half typed`, kind: 'mid-entry', act: (c, x) => c.press(digits(x).slice(0, 3)) },
    {
      label: `${what} #`,
      kind: 'after-#',
      act: async (c, x) => {
        await c.press(`${digits(x).slice(3)}#`);
        after?.(x);
      },
    },
  ];
}

/** A recording: it starts, the caller talks, then `#`. */
function recording(occurrence = 1): Step[] {
  return [
    {
      label: `recording#${occurrence} in progress`,
      kind: 'mid-recording',
      act: async (c, x) => {
        let seen = 0;
        const started = await c.waitFor((e) => e.kind === 'recording-started' && ++seen === occurrence, 15_000);
        if (started.kind === 'recording-started') x.lastTake = started.name;
        c.speak(2);
        await sleep(2000 * CHAOS_TIME_SCALE + 20);
      },
    },
    {
      label: `recording#${occurrence} #`,
      kind: 'after-#',
      act: async (c) => {
        await c.press('#');
        let seen = 0;
        await c.waitFor((e) => e.kind === 'recording-finished' && ++seen === occurrence, 15_000);
      },
    },
  ];
}

const newPinTyped = (x: Subject): void => {
  if (!x.pins.includes(NEW_PIN)) x.pins.push(NEW_PIN);
};

/** A user ready for the main menu: PIN set, name recorded. */
async function establishedUser(h: ChaosHarness, ext: string): Promise<Subject> {
  const user = await h.admin.createUser({ locationId: PARIS.id, extension: ext }, 'chaos');
  await h.admin.selfServiceSetPin(user.id, PIN, 'chaos');
  await h.admin.markNameRecorded(user.id, 'chaos');
  h.double.addStoredRecording(`voice-portal/names/${user.id}`, 2);
  return subject(user.id, ext, [PIN]);
}

function subject(userId: string, ext: string, pins: string[], more: Partial<Subject> = {}): Subject {
  return {
    userId,
    ext,
    locationId: PARIS.id,
    portalExtension: PARIS.portalExtension,
    pins,
    forcedChange: false,
    attempts: 0,
    rightTyped: false,
    wrongAnswered: 0,
    messages: [],
    deposit: false,
    ...more,
  };
}

/** Each flow owns a block of extensions: `base + n` for its n-th run. */
const ownPhone = (h: ChaosHarness, x: Subject): Promise<SimCall> => h.call({ callerNumber: x.ext });

/** A right PIN typed (it may or may not have been evaluated when the call ends). */
const rightPinTyped = (x: Subject): void => {
  x.attempts += 1;
  x.rightTyped = true;
};

const loginSteps = (pin: (x: Subject) => string = () => PIN): Step[] => [...prompt('welcome'), ...entry('PIN', pin, rightPinTyped)];

export const FLOWS: Flow[] = [
  {
    name: 'own-phone login (one wrong PIN first)',
    prepare: (h, n) => establishedUser(h, String(100_000 + n)),
    place: ownPhone,
    steps: [
      ...prompt('welcome'),
      ...entry('wrong PIN', () => WRONG_PIN, (x) => (x.attempts += 1)),
      {
        label: 'invalid-passcode#1 starts',
        kind: 'prompt-start',
        act: async (c, x) => {
          await hears(c, 'invalid-passcode', 1, 15_000);
          x.wrongAnswered += 1;
        },
      },
      ...prompt('enter-passcode', 1, { thenWait: true }),
      ...entry('PIN', () => PIN, rightPinTyped),
      ...prompt('main-menu', 1, { thenWait: true }),
      ...key('9'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
  {
    name: '* login',
    prepare: (h, n) => establishedUser(h, String(110_000 + n)),
    place: ownPhone,
    steps: [
      ...prompt('welcome'),
      ...key('*'),
      ...prompt('enter-mailbox', 1, { thenWait: true }),
      ...entry('mailbox', (x) => x.ext),
      ...prompt('enter-passcode', 1, { thenWait: true }),
      ...entry('PIN', () => PIN, rightPinTyped),
      ...prompt('main-menu'),
      ...key('9'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
  {
    name: 'first login (forced change, name)',
    prepare: async (h, n) => {
      const ext = String(120_000 + n);
      const user = await h.admin.createUser({ locationId: PARIS.id, extension: ext }, 'chaos');
      return subject(user.id, ext, [DEFAULT_PIN], { forcedChange: true });
    },
    place: ownPhone,
    steps: [
      ...loginSteps(() => DEFAULT_PIN),
      ...prompt('must-change-passcode', 1, { thenWait: true }),
      ...entry('new PIN', () => NEW_PIN),
      ...prompt('confirm-passcode', 1, { thenWait: true }),
      ...entry('confirmation', () => NEW_PIN, newPinTyped),
      ...prompt('passcode-changed'),
      ...prompt('record-name'),
      ...recording(),
      ...prompt('recording-options', 1, { thenWait: true }),
      ...key('1'),
      ...prompt('name-saved'),
      ...prompt('main-menu'),
      ...key('9'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
  {
    name: 'main menu and its sub-menus',
    prepare: (h, n) => establishedUser(h, String(130_000 + n)),
    place: ownPhone,
    steps: [
      ...loginSteps(),
      ...prompt('main-menu', 1, { thenWait: true }),
      ...key('#'),
      ...prompt('main-menu', 2),
      ...key('3'),
      ...prompt('greetings-menu', 1, { thenWait: true }),
      ...key('1'),
      ...prompt('record-busy-greeting'),
      ...recording(),
      ...prompt('recording-options'),
      ...key('2'),
      ...prompt((x) => `recording:${x.lastTake ?? ''}`), // the take under review
      ...prompt('recording-options', 2),
      ...key('1'),
      ...prompt('greeting-saved'),
      ...prompt('greetings-menu', 2),
      ...key('2'),
      ...prompt((x) => `recording:voice-portal/greetings/${x.userId}/busy`),
      ...prompt('greetings-menu', 3),
      ...key('3'),
      ...prompt('greeting-restored'),
      ...prompt('greetings-menu', 4),
      ...key('*'),
      ...prompt('main-menu', 3),
      ...key('7'),
      ...prompt('record-name'),
      ...recording(2),
      ...prompt('recording-options', 3),
      ...key('1'),
      ...prompt('name-saved'),
      ...prompt('main-menu', 4),
      ...key('9'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
  {
    name: 'PIN change from the main menu',
    prepare: (h, n) => establishedUser(h, String(140_000 + n)),
    place: ownPhone,
    steps: [
      ...loginSteps(),
      ...prompt('main-menu'),
      ...key('8'),
      ...prompt('enter-new-passcode-or-star', 1, { thenWait: true }),
      ...entry('new PIN', () => NEW_PIN),
      ...prompt('confirm-passcode'),
      ...entry('confirmation', () => NEW_PIN, newPinTyped),
      ...prompt('passcode-changed'),
      ...prompt('main-menu', 2),
      ...key('9'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
  {
    name: 'messages with every key',
    prepare: async (h, n) => {
      const x = await establishedUser(h, String(150_000 + n));
      const base = Date.now() - 3_600_000;
      for (const [i, durationSec] of [2, 3].entries()) {
        const r = await h.adminMessages.reserve(x.userId, { maxMessages: 100, staleAfterMs: 60_000, now: base + i });
        if (r.result !== 'ok') throw new Error('mailbox full');
        await h.adminMessages.commit(x.userId, r.messageId, { receivedAt: base + i, callerNumber: '+33155667788', callerName: '', durationSec });
        h.double.addStoredRecording(`voice-portal/vm/${x.userId}/${r.messageId}`, durationSec);
        x.messages.push(r.messageId);
      }
      return x;
    },
    place: ownPhone,
    steps: [
      ...loginSteps(),
      ...prompt('you-have'),
      ...prompt('main-menu'),
      ...key('1'),
      ...prompt(msg(0)),
      ...prompt('message-menu', 1, { thenWait: true }),
      ...key('2'),
      ...prompt(msg(0), 2),
      ...prompt('message-menu', 2),
      ...key('5'),
      ...prompt('message-menu', 3),
      ...key('6'),
      ...prompt(msg(1)),
      ...prompt('message-menu', 4),
      ...key('4'),
      ...prompt(msg(0), 3),
      ...prompt('message-menu', 5),
      ...key('9'),
      ...prompt('message-saved'),
      ...prompt(msg(1), 2),
      ...prompt('message-menu', 6),
      ...key('7'),
      ...prompt('message-deleted'),
      ...prompt('no-more-messages'),
      ...prompt('main-menu', 2),
      ...key('1'),
      ...prompt(msg(0), 4),
      ...prompt('message-menu', 7),
      ...key('*'),
      ...prompt('main-menu', 3),
      ...key('9'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
  {
    name: 'admin menu',
    prepare: async (h, n) => {
      const locationId = `adm${n}`;
      const portalExtension = String(800_000 + n);
      await h.admin.addLocation({ ...PARIS, id: locationId, name: `Admin ${n}`, portalExtension, portalNumber: undefined }, 'chaos');
      await h.admin.setAdminPasscode(locationId, ADMIN_PASSCODE, 'chaos');
      const x = await establishedUser(h, String(160_000 + n));
      return { ...x, locationId, portalExtension };
    },
    place: (h, x) => h.call({ callerNumber: x.ext, extension: x.portalExtension, args: ['portal', x.locationId, 'internal'] }),
    steps: [
      ...prompt('welcome'),
      ...key('*'),
      ...prompt('enter-mailbox'),
      ...entry('portal extension', (x) => x.portalExtension),
      ...prompt('enter-passcode'),
      ...entry('admin passcode', () => ADMIN_PASSCODE),
      ...prompt('admin-menu', 1, { thenWait: true }),
      ...key('1'),
      ...prompt('admin-greetings-business-hours'),
      ...recording(),
      ...prompt('recording-options'),
      ...key('1'),
      ...prompt('greeting-saved'),
      ...prompt('admin-menu', 2),
      ...key('2'),
      ...prompt((x) => `recording:voice-portal/aa/${x.locationId}/business-hours`),
      ...prompt('admin-menu', 3),
      ...key('3'),
      ...prompt('greeting-restored'),
      ...prompt('admin-menu', 4),
      ...key('9'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
  {
    name: 'deposit',
    prepare: async (h, n) => ({ ...(await establishedUser(h, String(170_000 + n))), deposit: true }),
    place: (h, x) => h.double.placeCall({ callerNumber: '+33611223344', extension: x.ext, args: ['deposit', x.ext, 'busy'] }),
    steps: [
      ...prompt((x) => `recording:voice-portal/names/${x.userId}`),
      ...prompt('is-busy'),
      ...prompt('leave-message-after-tone'),
      ...recording(),
      ...prompt('message-saved'),
      ...prompt('goodbye'),
    ],
    lastPrompt: 'goodbye',
  },
];

function msg(i: number): (x: Subject) => string {
  return (x) => `recording:voice-portal/vm/${x.userId}/${x.messages[i] ?? ''}`;
}

export { NEW_PIN, PIN, WRONG_PIN };
