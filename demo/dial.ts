/**
 * Placing a demo call as the simulated PBX's dialplan would (asterisk-conf/extensions.conf):
 * the portal numbers go straight to the portal; a user's extension rings first and, when
 * nobody answers (the demo's phones never do), goes to
 * `Stasis(voice-portal,deposit,<ext>,unavailable)` to leave a message. The real dialplan
 * rings 20 s; the demo rings RING_SECONDS so that a demo call does not drag.
 */
import type { AsteriskDoubleControl, MailboxUpdate, SimCall } from '../test/double/control';

export const RING_SECONDS = 4;

export interface Dialplan {
  /** Stasis arguments for a number dialled; [] when the dialplan has no such number (no call). */
  stasisArgs(dialled: string): string[];
  /** True for a user's extension: it rings (unanswered) before voicemail takes the call. */
  rings(dialled: string): boolean;
}

export async function dial(
  double: AsteriskDoubleControl,
  dialplan: Dialplan,
  caller: string,
  dialled: string,
  opts: { timeScale: number; write: (line: string) => void },
): Promise<SimCall | undefined> {
  if (dialplan.stasisArgs(dialled).length === 0) {
    // Not in the dialplan: Asterisk would answer with "number not in service", no portal.
    opts.write(`the number ${dialled} does not exist here (dial 8000, *97, the portal number, 1001 or 1002)`);
    return undefined;
  }
  if (dialplan.rings(dialled)) {
    opts.write(`ringing… (extension ${dialled} does not answer; after ${RING_SECONDS} s, voicemail)`);
    await new Promise((r) => setTimeout(r, RING_SECONDS * 1000 * opts.timeScale));
  }
  return double.placeCall({ callerNumber: caller, extension: dialled, args: dialplan.stasisArgs(dialled) });
}

/**
 * The message-waiting lamps of the demo's phones, from the mailbox state the portal gives
 * the PBX (PUT/DELETE /mailboxes, recorded by the double): one line per change of a lamp.
 */
export class LampWatcher {
  private seen: number;
  private readonly shown = new Map<string, string>();

  constructor(private readonly double: AsteriskDoubleControl) {
    this.seen = double.mailboxUpdates.length;
    for (const [name, m] of double.mailboxes()) this.shown.set(name, lampText(name, m.newMessages, m.oldMessages));
  }

  /** Lines for the lamp changes since the last call. */
  changes(): string[] {
    const updates = this.double.mailboxUpdates;
    const lines: string[] = [];
    while (this.seen < updates.length) {
      const u: MailboxUpdate = updates[this.seen++];
      const text = lampText(u.name, u.newMessages ?? 0, u.oldMessages ?? 0);
      if (this.shown.get(u.name) === text) continue;
      this.shown.set(u.name, text);
      lines.push(text);
    }
    return lines;
  }
}

function lampText(name: string, newMessages: number, oldMessages: number): string {
  const phone = name.split('@')[0];
  const saved = oldMessages > 0 ? `, ${oldMessages} saved` : '';
  return newMessages > 0 ? `lamp ${phone}: on (${newMessages} new${saved})` : `lamp ${phone}: off${oldMessages > 0 ? ` (${oldMessages} saved)` : ''}`;
}
