/**
 * Users brought over from app_voicemail (issue #16): created with the PIN they had, hashed
 * here, instead of the default PIN.
 *
 * A clear-text PIN that fails our policy (too short, too simple, contains the extension…)
 * or equals the mailbox number is kept but must be changed at the first call; one that is
 * not digits at all cannot be typed on a keypad: the user gets no PIN (self-service or an
 * administrator's reset gives one). The PIN never leaves this function except as a hash.
 */
import { checkPinForUser } from '../security/pin-policy';
import type { StoreContext } from './context';
import { createUser, getUser } from './directory';
import { Conflict } from './errors';
import type { Actor, NewUser, User } from './types';

export type ImportedPin = 'kept' | 'must-change' | 'none';

export interface ImportUserResult {
  user: User;
  /** False when a user with this id was already there (left unchanged). */
  created: boolean;
  /** What happened to the PIN (only meaningful when created). */
  pin: ImportedPin;
}

/** What an imported PIN becomes, without hashing it. */
export function importedPinVerdict(pin: string, user: { extension: string; number?: string }, policy: Parameters<typeof checkPinForUser>[1]): ImportedPin {
  if (!/^\d+$/.test(pin) || pin.length > 30) return 'none';
  if (pin === user.extension) return 'must-change';
  const rejection = checkPinForUser(pin, policy, { extension: user.extension, ...(user.number ? { phoneNumber: user.number } : {}) });
  return rejection ? 'must-change' : 'kept';
}

export async function importUser(ctx: StoreContext, input: NewUser & { id: string }, pin: string, opts: { hasName: boolean }, actor: Actor): Promise<ImportUserResult> {
  const existing = await getUser(ctx, input.id);
  if (existing) {
    if (existing.extension !== input.extension) throw new Conflict(`user ${input.id} already exists with extension ${existing.extension}`);
    return { user: existing, created: false, pin: existing.hasPin ? (existing.mustChange ? 'must-change' : 'kept') : 'none' };
  }
  await ctx.ensurePepper();
  const verdict = importedPinVerdict(pin, input, await ctx.policy());
  const hash = verdict === 'none' ? null : await ctx.hasher.hashPin(pin, ctx.pepper);
  const user = await createUser(ctx, input, actor, {
    hash,
    mustChange: verdict === 'must-change',
    mustRecordName: !opts.hasName,
    outcome: 'imported',
    detail: `from app_voicemail; PIN ${verdict === 'kept' ? 'kept' : verdict === 'must-change' ? 'kept, must be changed' : 'none'}`,
  });
  return { user, created: true, pin: verdict };
}
