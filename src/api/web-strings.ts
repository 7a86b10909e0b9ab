/**
 * The "My voicemail" page's words, in English and French. The PIN policy reasons in English
 * are the CLI's sentences (PIN_REJECTION_TEXT); the French ones say the same.
 */
import { PIN_REJECTION_TEXT, type PinRejection } from '../security/pin-policy';

export type PageLanguage = 'en' | 'fr';
export const PAGE_LANGUAGES: readonly PageLanguage[] = ['en', 'fr'];

const REASONS_FR: Record<PinRejection, string> = {
  'not-digits': 'le code secret ne doit contenir que des chiffres',
  'too-short': 'le code secret est trop court',
  'too-long': 'le code secret est trop long',
  'too-simple': 'le code secret est trop simple (chiffres répétés, une suite comme 1234 ou un motif répété)',
  'contains-number': 'le code secret contient votre numéro de poste ou de téléphone',
  'used-recently': 'le code secret a été utilisé récemment',
  'is-default': 'le code secret est le code par défaut',
  'too-common': 'le code secret est l\'un des plus courants (ceux que l\'on essaie en premier)',
};

const EN = {
  title: 'My voicemail',
  signedInAs: 'Signed in as',
  extension: 'extension',
  lockedTitle: 'Your voice portal access is locked.',
  lockedText: 'Choose a new PIN below: it unlocks your mailbox at once.',
  messages: 'Messages',
  newMessages: 'New messages',
  savedMessages: 'Saved messages',
  noMessages: 'No messages.',
  unknownCaller: 'Unknown caller',
  seconds: 's',
  play: 'Play',
  save: 'Save',
  delete: 'Delete',
  audioOf: 'Message from',
  greetings: 'Greetings',
  greetingBusy: 'Busy greeting',
  greetingUnavailable: 'No-answer greeting',
  greetingRecorded: 'Your own recording',
  greetingDefault: 'Default greeting',
  greetingUnknown: 'Cannot be checked right now',
  listen: 'Listen',
  restoreDefault: 'Back to the default',
  name: 'Recorded name',
  nameRecorded: 'Recorded.',
  nameMissing: 'Not recorded yet: the portal asks you to record it at your next call.',
  nameUnknown: 'Cannot be checked right now.',
  changePin: 'Change my PIN',
  newPinTitle: 'Choose a new PIN',
  newPin: 'New PIN',
  confirmPin: 'New PIN again',
  pinHint: 'Digits only, {min} to {max} digits. Avoid repeated digits, runs such as 1234 and your own numbers.',
  setPin: 'Save the new PIN',
  pinOk: 'This PIN is acceptable.',
  pinMismatch: 'The two PINs differ.',
  pinSaved: 'Your new PIN works now.',
  pinSavedUnlocked: 'Your new PIN works now and your mailbox is unlocked.',
  saved: 'Message saved.',
  deleted: 'Message deleted.',
  restored: 'The default greeting is back.',
  failed: 'That did not work: {detail}',
  language: 'Français',
  loading: 'Loading…',
} as const;

export type StringKey = keyof typeof EN;

const FR: Record<StringKey, string> = {
  title: 'Ma messagerie vocale',
  signedInAs: 'Connecté en tant que',
  extension: 'poste',
  lockedTitle: 'Votre accès au portail vocal est verrouillé.',
  lockedText: 'Choisissez un nouveau code secret ci-dessous : il déverrouille aussitôt votre messagerie.',
  messages: 'Messages',
  newMessages: 'Nouveaux messages',
  savedMessages: 'Messages archivés',
  noMessages: 'Aucun message.',
  unknownCaller: 'Appelant inconnu',
  seconds: 's',
  play: 'Écouter',
  save: 'Archiver',
  delete: 'Supprimer',
  audioOf: 'Message de',
  greetings: 'Annonces',
  greetingBusy: 'Annonce « occupé »',
  greetingUnavailable: 'Annonce « absent »',
  greetingRecorded: 'Votre enregistrement',
  greetingDefault: 'Annonce par défaut',
  greetingUnknown: 'Vérification impossible pour le moment',
  listen: 'Écouter',
  restoreDefault: 'Revenir à l’annonce par défaut',
  name: 'Nom enregistré',
  nameRecorded: 'Enregistré.',
  nameMissing: 'Pas encore enregistré : le portail vous le demandera à votre prochain appel.',
  nameUnknown: 'Vérification impossible pour le moment.',
  changePin: 'Changer mon code secret',
  newPinTitle: 'Choisir un nouveau code secret',
  newPin: 'Nouveau code secret',
  confirmPin: 'Nouveau code secret, à nouveau',
  pinHint: 'Chiffres uniquement, de {min} à {max} chiffres. Évitez les chiffres répétés, les suites comme 1234 et vos propres numéros.',
  setPin: 'Enregistrer le nouveau code',
  pinOk: 'Ce code secret est acceptable.',
  pinMismatch: 'Les deux codes diffèrent.',
  pinSaved: 'Votre nouveau code secret fonctionne dès maintenant.',
  pinSavedUnlocked: 'Votre nouveau code secret fonctionne dès maintenant et votre messagerie est déverrouillée.',
  saved: 'Message archivé.',
  deleted: 'Message supprimé.',
  restored: 'L’annonce par défaut est rétablie.',
  failed: 'Échec : {detail}',
  language: 'English',
  loading: 'Chargement…',
};

export function pageStrings(lang: PageLanguage): Record<StringKey, string> {
  return lang === 'fr' ? FR : EN;
}

export function reasonTexts(lang: PageLanguage): Record<PinRejection, string> {
  return lang === 'fr' ? REASONS_FR : { ...PIN_REJECTION_TEXT };
}
