/**
 * One caller's time in the portal: the call, the language the caller hears, and the few
 * conversational moves every flow is made of (say, read an entry, choose from a menu).
 * Flows read like the call flows they describe because these moves carry the timing and
 * retry rules.
 */
import type { Call, GatherResult } from '../ari/call';
import type { Logger } from '../log';
import type { PortalDeps } from './deps';
import { promptMedia, type PromptId } from './prompts';

/** What the caller typed at a prompt that takes digits followed by `#`. */
export type Entry =
  /** `*` as the first key, where the prompt offers it (not calling from one's own phone). */
  | { kind: 'star' }
  /** Nothing, or `#` alone: no attempt (neither a failure nor a PIN). */
  | { kind: 'empty' }
  | { kind: 'digits'; value: string };

/** Thrown to end the call politely after the caller stopped answering. */
export class CallerGaveUp extends Error {
  override name = 'CallerGaveUp';
}

/** Longest entry we read, `*` restarts included; the PIN policy caps PINs at 30 digits. */
const MAX_ENTRY_KEYS = 64;

export class Session {
  /** Language of every prompt: the location's until the user is known, then the user's. */
  lang: string;
  readonly log: Logger;

  constructor(
    readonly call: Call,
    readonly deps: PortalDeps,
    lang: string,
  ) {
    this.lang = lang;
    this.log = deps.logger.child({ channel: call.channelId });
  }

  /** Who the audit trail names for what this caller does. */
  get actor(): string {
    return `caller:${this.call.callerNumber || 'anonymous'}`;
  }

  get timings(): PortalDeps['timings'] {
    return this.deps.timings;
  }

  /** Prompts the caller may talk over: the first key stops them and is kept. */
  async say(...ids: PromptId[]): Promise<void> {
    await this.call.play(ids.map(promptMedia), { interruptible: true, lang: this.lang });
  }

  /** Prompts the caller must hear to the end (lock notice, goodbye). */
  async sayFully(...ids: PromptId[]): Promise<void> {
    await this.call.play(ids.map(promptMedia), { interruptible: false, lang: this.lang });
  }

  /** Any media (digits:, recording:) with the prompts' language. */
  async playMedia(media: string[], interruptible = true): Promise<ReturnType<Call['play']>> {
    return this.call.play(media, { interruptible, lang: this.lang });
  }

  /** The closing words, then hang up. */
  async goodbye(...before: PromptId[]): Promise<void> {
    await this.sayFully(...before, 'goodbye');
    await this.call.hangup();
  }

  /** Play a message that ends the call, then hang up. */
  async endWith(id: PromptId): Promise<void> {
    await this.sayFully(id);
    await this.call.hangup();
  }

  /**
   * Play `prompts` (barge-in allowed) and read digits ended by `#` or the inter-digit
   * timeout. `*` typed after some digits starts the entry again (a typing mistake); `*` as the
   * very first key ends the entry at once as `star` when `starIsKey`, so the caller hears
   * the next prompt without waiting. `lead`: media played first, in the same playback (a
   * refusal's reason with its number).
   */
  async readEntry(prompts: PromptId[], opts: { starIsKey?: boolean; lead?: string[] } = {}): Promise<Entry> {
    const media = [...(opts.lead ?? []), ...prompts.map(promptMedia)];
    if (media.length > 0) await this.call.play(media, { interruptible: true, lang: this.lang });
    const t = this.timings;
    const first = await this.call.gather({
      maxDigits: 1,
      terminator: '#',
      firstDigitTimeoutMs: t.firstDigitTimeoutMs,
      interDigitTimeoutMs: t.interDigitTimeoutMs,
    });
    if (first.endedBy === 'none' || first.digits === '') return { kind: 'empty' };
    if (first.digits === '*' && opts.starIsKey && !first.keysLost) return { kind: 'star' };
    let typed = first.digits;
    const rest: GatherResult = await this.call.gather({
      maxDigits: MAX_ENTRY_KEYS - 1,
      terminator: '#',
      // The caller is mid-entry: the next key is an inter-digit wait, not a first one.
      firstDigitTimeoutMs: t.interDigitTimeoutMs,
      interDigitTimeoutMs: t.interDigitTimeoutMs,
    });
    if (first.keysLost || rest.keysLost) {
      // Part of it was typed while the ARI events socket was down: not what the caller typed,
      // so neither a PIN to try (a failure the caller never made) nor a wrong one. Asked again.
      this.log.info('entry dropped: keys may have been lost while the ARI events socket was down');
      return { kind: 'empty' };
    }
    typed += rest.digits;
    const value = typed.slice(typed.lastIndexOf('*') + 1);
    return value === '' ? { kind: 'empty' } : { kind: 'digits', value };
  }

  /**
   * A menu: play `prompts`, take one key among `keys`. A wrong key says so and asks again;
   * silence asks again, up to `maxNoInput` times; after that the caller is taken to have
   * gone: `CallerGaveUp` (the caller of `choose` says goodbye).
   */
  async choose<K extends string>(prompts: PromptId[], keys: readonly K[]): Promise<K> {
    const t = this.timings;
    let misses = 0;
    let lead: PromptId[] = [];
    for (;;) {
      await this.say(...lead, ...prompts);
      const got = await this.call.gather({
        maxDigits: 1,
        terminator: null,
        firstDigitTimeoutMs: t.firstDigitTimeoutMs,
        interDigitTimeoutMs: t.interDigitTimeoutMs,
      });
      // A key pressed as the ARI events socket came back may be the second of two: ask again.
      if (got.keysLost) continue;
      const key = got.digits as K;
      if (got.digits !== '' && keys.includes(key)) return key;
      misses += 1;
      if (misses > t.maxNoInput) throw new CallerGaveUp('no valid choice');
      lead = got.digits === '' ? [] : ['invalid-option'];
    }
  }
}
