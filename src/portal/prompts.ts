/**
 * The portal's own prompts. Every id here has an English and a French recording in
 * `sounds/<lang>/voice-portal/<id>.wav` and its text in `sounds/catalog.json` (a test checks
 * both). Flows name prompts only through `PromptId`, so a typo does not compile.
 */
export const PROMPT_IDS = [
  'welcome',
  'welcome-enter-mailbox',
  'enter-mailbox',
  'enter-passcode',
  'invalid-passcode',
  'locked',
  'two-attempts-left',
  'one-attempt-left',
  'no-passcode-set',
  'must-change-passcode',
  'enter-new-passcode',
  'enter-new-passcode-or-star',
  'confirm-passcode',
  'passcodes-differ',
  'passcode-too-short',
  'passcode-too-long',
  'digits-unit',
  'passcode-too-simple',
  'passcode-too-common',
  'passcode-contains-number',
  'passcode-used-recently',
  'passcode-is-default',
  'passcode-changed',
  'must-record-name',
  'record-name',
  'nothing-heard',
  'recording-options',
  'main-menu',
  'mailbox-options',
  'no-messages',
  'greetings-menu',
  'greeting-saved',
  'greeting-restored',
  'no-greeting-callers-hear',
  'aa-default-greeting',
  'record-busy-greeting',
  'record-unavailable-greeting',
  'admin-menu',
  'admin-greetings-business-hours',
  'admin-greetings-after-hours',
  'record-after-tone',
  'service-unavailable',
  'temporarily-unavailable',
  'goodbye',
  'invalid-option',
  'name-saved',
  // Voicemail: counts, listening, deposit (issue step 6).
  'you-have',
  'new-messages',
  'saved-messages',
  'and',
  'message-menu',
  'message-deleted',
  'message-saved',
  'no-more-messages',
  'first-message',
  'message-unavailable',
  'mailbox-full',
  'leave-message-after-tone',
  'default-greeting-extension',
  'is-busy',
  'is-unavailable',
  'message-received',
  'from',
] as const;

export type PromptId = (typeof PROMPT_IDS)[number];

/**
 * Prompts after which the caller types a PIN or passcode: whatever is typed next is secret
 * (never logged; the demo shows it as •).
 */
export const PIN_ENTRY_PROMPTS: ReadonlySet<PromptId> = new Set<PromptId>([
  'welcome',
  'enter-passcode',
  'invalid-passcode',
  'two-attempts-left',
  'one-attempt-left',
  'must-change-passcode',
  'enter-new-passcode',
  'enter-new-passcode-or-star',
  'confirm-passcode',
  'passcodes-differ',
  'passcode-too-short',
  'passcode-too-long',
  'digits-unit',
  'passcode-too-simple',
  'passcode-too-common',
  'passcode-contains-number',
  'passcode-used-recently',
  'passcode-is-default',
]);

/** The ARI media URI of a prompt; the language is chosen per playback. */
export function promptMedia(id: PromptId): string {
  return `sound:voice-portal/${id}`;
}
