/**
 * Which typed keys the demo may show: decided from what the portal is doing (the prompts it
 * started), never from the keys themselves, so that typing ahead (`1002#246813#` at "Enter
 * your mailbox number") cannot show a PIN. Digits (and A-D) are shown as `•`:
 *   - from the start of a call until the first menu or mailbox prompt (nothing heard yet);
 *   - while or after a PIN/passcode prompt plays (enter-passcode, the admin passcode,
 *     enter-new-passcode, confirm-passcode, the "too short"… retries), until a menu or a
 *     mailbox prompt starts;
 *   - after the `#` that ends a mailbox number (the PIN follows);
 *   - after the one key a menu takes, until the next prompt starts (a PIN prompt may follow).
 * `*` and `#` are never secret (they are no PIN digits) and stay visible.
 */
import { PIN_ENTRY_PROMPTS } from '../src/portal/prompts';
import { promptIdOf } from './media-text';

/** Prompts after which the portal reads one menu key: the keys typed there are not secret. */
const MENU_PROMPTS: ReadonlySet<string> = new Set([
  'main-menu',
  'greetings-menu',
  'mailbox-options',
  'admin-menu',
  'admin-greetings-business-hours',
  'admin-greetings-after-hours',
  'recording-options',
  'message-menu',
]);
/** Prompts after which the portal reads a mailbox number, ended by `#`. */
const MAILBOX_PROMPTS: ReadonlySet<string> = new Set(['welcome-enter-mailbox', 'enter-mailbox']);

type Mode = 'secret' | 'menu' | 'mailbox';

export class KeyMask {
  private mode: Mode = 'secret';
  /** A menu key was taken: what follows may already be a PIN, until the next prompt. */
  private menuKeyTaken = false;

  /** The portal started playing `uri` (any media; only its own prompts change the mode). */
  mediaStarted(uri: string): void {
    const id = promptIdOf(uri);
    if (id === undefined) return;
    if ((PIN_ENTRY_PROMPTS as ReadonlySet<string>).has(id)) this.mode = 'secret';
    else if (MENU_PROMPTS.has(id)) this.mode = 'menu';
    else if (MAILBOX_PROMPTS.has(id)) this.mode = 'mailbox';
    // Any other prompt (a message, "passcode changed"…) leaves the mode as it was.
    this.menuKeyTaken = false;
  }

  /** One key as it may be printed. Call it for every key, in the order they were pressed. */
  show(key: string): string {
    const hidden = this.mode === 'secret' || this.menuKeyTaken;
    const shown = hidden && /^[0-9A-D]$/.test(key) ? '•' : key;
    if (this.mode === 'mailbox' && key === '#') this.mode = 'secret';
    else if (this.mode === 'menu') this.menuKeyTaken = true;
    return shown;
  }

  showAll(keys: string): string {
    return [...keys].map((k) => this.show(k)).join('');
  }
}
