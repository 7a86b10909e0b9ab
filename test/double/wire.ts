/**
 * The JSON shapes Asterisk 22 puts on the wire (REST bodies and WebSocket events), with the
 * exact key order seen in test/fixtures/asterisk-22.10: tests compare against the captures,
 * and the application under test must never see a field a real Asterisk would not send.
 */

export interface CallerIdJson {
  name: string;
  number: string;
}

export interface ChannelJson {
  id: string;
  name: string;
  state: string;
  protocol_id: string;
  caller: CallerIdJson;
  connected: CallerIdJson;
  accountcode: string;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
}

export type PlaybackState = 'queued' | 'playing' | 'continuing' | 'done' | 'failed';

export interface PlaybackJson {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  target_uri: string;
  language: string;
  state: PlaybackState;
}

export type RecordingState = 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';

export interface LiveRecordingJson {
  name: string;
  format: string;
  state: RecordingState;
  target_uri: string;
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
}

export interface StoredRecordingJson {
  name: string;
  format: string;
}

export interface MailboxJson {
  name: string;
  old_messages: number;
  new_messages: number;
}

export interface ApplicationJson {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  events_allowed: unknown[];
  events_disallowed: unknown[];
}

/** Every error body Asterisk sends uses this shape (originate failures aside: `{"error":…}`). */
export interface ErrorJson {
  message: string;
}

/** A WebSocket event before `asterisk_id` / `application` are appended by the hub. */
export interface EventBody {
  type: string;
  timestamp: string;
  [field: string]: unknown;
}

/** Asterisk's timestamp format: `2026-11-27T00:30:21.032+0000` (UTC, milliseconds, no colon). */
export function asteriskTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}
