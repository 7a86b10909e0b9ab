/**
 * A menu over two greetings that share one shape: record · listen · back to the default.
 * The user's greetings (main-menu key 3: busy, no-answer) and the location's auto-attendant
 * greetings (admin menu: business hours, after hours) are both this menu.
 *
 * Listening to a greeting that is not recorded plays what callers hear instead (the default
 * greeting), after "you have no greeting recorded; callers hear:".
 */
import type { PromptId } from './prompts';
import { promptMedia } from './prompts';
import { recordWithReview } from './record';
import type { Session } from './session';

export interface GreetingSlot {
  /** Stored recording name. */
  name: string;
  /** Prompts before the beep. */
  recordPrompts: PromptId[];
  /** The media callers hear while this greeting is not recorded. */
  fallback: () => Promise<string[]>;
}

export interface GreetingsMenu {
  menu: PromptId;
  /** Keys 1 2 3 act on the first greeting, 4 5 6 on the second. */
  slots: [GreetingSlot, GreetingSlot];
  /** The key that leaves the menu. */
  exitKey: '*' | '9';
  maxSeconds: number;
}

const KEYS = ['1', '2', '3', '4', '5', '6'] as const;

/** Returns when the caller presses the exit key. */
export async function greetingsMenu(s: Session, m: GreetingsMenu): Promise<void> {
  for (;;) {
    const key = await s.choose([m.menu], [...KEYS, m.exitKey]);
    if (key === m.exitKey) return;
    const index = Number(key) - 1;
    const slot = m.slots[index < 3 ? 0 : 1];
    const action = index % 3;
    if (action === 0) {
      await recordGreeting(s, slot, m.maxSeconds);
    } else if (action === 1) {
      if (await s.deps.recordings.exists(slot.name)) await s.playMedia([`recording:${slot.name}`]);
      else await s.playMedia([promptMedia('no-greeting-callers-hear'), ...(await slot.fallback())]);
    } else {
      await s.deps.recordings.remove(slot.name);
      s.log.info('greeting restored to default', { greeting: slot.name });
      await s.say('greeting-restored');
    }
  }
}

/** Record a greeting with review, then "the greeting has been saved". */
export async function recordGreeting(s: Session, slot: Pick<GreetingSlot, 'name' | 'recordPrompts'>, maxSeconds: number): Promise<void> {
  await recordWithReview(s, { name: slot.name, prompts: slot.recordPrompts, maxSeconds });
  s.log.info('greeting recorded', { greeting: slot.name });
  await s.say('greeting-saved');
}
