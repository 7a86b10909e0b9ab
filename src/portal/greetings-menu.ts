/**
 * A menu over two greetings that share one shape: record · listen · back to the default.
 * The user's greetings (SPEC §5 key 3: busy, no-answer) and the location's auto-attendant
 * greetings (SPEC §6: business hours, after hours) are both this menu.
 */
import type { PromptId } from './prompts';
import { recordWithReview } from './record';
import type { Session } from './session';

export interface GreetingSlot {
  /** Stored recording name. */
  name: string;
  /** Prompts before the beep. */
  recordPrompts: PromptId[];
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
      await recordWithReview(s, { name: slot.name, prompts: slot.recordPrompts, maxSeconds: m.maxSeconds });
      s.log.info('greeting recorded', { greeting: slot.name });
      await s.say('greeting-saved');
    } else if (action === 1) {
      if (await s.deps.recordings.exists(slot.name)) await s.playMedia([`recording:${slot.name}`]);
      else await s.say('greeting-empty');
    } else {
      await s.deps.recordings.remove(slot.name);
      s.log.info('greeting restored to default', { greeting: slot.name });
      await s.say('greeting-restored');
    }
  }
}
