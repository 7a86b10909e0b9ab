/** The call engine's public surface: everything outside src/ari imports from here. */
export type {
  Call,
  CallEndInfo,
  GatherOptions,
  GatherResult,
  PlayOptions,
  PlayResult,
  RecordOptions,
  RecordResult,
} from './call';
export {
  AriConnectError,
  AriError,
  AriUnavailable,
  CallBusy,
  CallEnded,
  RecordingFailed,
  RecordingLost,
} from './errors';
export { startAriEngine, type AriEngine, type AriEngineOptions, type EngineResources, type EngineState, type ReconnectOptions } from './engine';
export { connectAriRest, type AriRestSession, type MessageWaiting, type StoredRecordings } from './media-store';
export { recordingFilesOnServers, recordingFilesOverHttp, type AriHttpSettings, type RecordingFile, type RecordingFiles } from './recording-files';
