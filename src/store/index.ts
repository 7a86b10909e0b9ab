/** Public surface of the store: flows and the CLI import from here only. */
export { openStore, Store, type StoreOptions } from './store';
export type { LoginOrigin } from './verify';
export { StoreError, StoreUnavailable, PepperMismatch, PinRejected, NotFound, Conflict, InvalidInput } from './errors';
export { defaultPinHasher, type PinHasher } from './context';
export type * from './types';
export { EMAIL_MESSAGES_MODES } from './types';
export {
  MessageStore,
  openMessageStore,
  messageRecordingName,
  messageRecordingPrefix,
  parseMessageRecordingName,
  type MessageStatus,
  type MessageStoreOptions,
  type NewMessageDetails,
  type Reservation,
  type VoiceMessage,
} from './messages';
export { LeaseStore, openLeaseStore, type AcquireResult, type LeaseInfo, type LeaseOperations } from './lease';
export { TOKEN_PREFIX, TOKEN_SCOPES } from './tokens';
export { importedPinVerdict, type ImportedPin, type ImportUserResult } from './import';
export { requireEmail } from './records';
