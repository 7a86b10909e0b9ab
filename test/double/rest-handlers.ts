/**
 * The REST operations the double implements, keyed by `<METHOD> <path template>` from
 * swagger.ts. Status codes and bodies are the ones captured on Asterisk 22.10 (README §3-§8).
 * Operations declared in the API docs but absent here answer 501 (see http-server.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Asterisk } from './asterisk';
import type { SimChannel } from './channel';
import { silentWav } from './wav';
import { asteriskTimestamp, type ErrorJson, type LiveRecordingJson, type PlaybackJson, type StoredRecordingJson } from './wire';

export interface AriRequest {
  /** Path parameters, already URL-decoded (`voice-portal%2Fvm%2Fm1` → `voice-portal/vm/m1`). */
  params: Record<string, string>;
  /** Query string merged with the fields of a JSON body, as Asterisk accepts both. */
  query: URLSearchParams;
}

export interface AriResponse {
  status: number;
  json?: unknown;
  binary?: { contentType: string; data: Buffer };
  /** Runs once the response has been written: events Asterisk sends after its reply. */
  after?: () => void;
}

export type AriHandler = (req: AriRequest) => AriResponse;

const error = (status: number, message: string): AriResponse => ({ status, json: { message } satisfies ErrorJson });
const noContent = (after?: () => void): AriResponse => ({ status: 204, after });
const ok = (json: unknown, status = 200): AriResponse => ({ status, json });

const CHANNEL_NOT_FOUND = error(404, 'Channel not found');
const PLAYBACK_NOT_FOUND = error(404, 'Playback not found');
const RECORDING_NOT_FOUND = error(404, 'Recording not found');
const MAILBOX_NOT_FOUND = error(404, 'Mailbox is does not exist'); // sic: Asterisk's own typo

/** Formats a stock Asterisk 22 build can record (`core show file formats`). */
const RECORDING_FORMATS = new Set(['wav', 'WAV', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'sln16', 'g722', 'g726', 'g729', 'ilbc', 'ogg', 'h263', 'h264', 'siren7', 'siren14']);

const HANGUP_REASONS = new Set([
  'normal', 'busy', 'congestion', 'no_answer', 'timeout', 'rejected', 'unallocated', 'normal_unspecified',
  'number_incomplete', 'codec_mismatch', 'interworking', 'failure', 'answered_elsewhere',
]);

/** An int query parameter: undefined when absent, NaN when malformed. */
function intParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  return /^-?\d+$/.test(raw) ? Number(raw) : NaN;
}

export function buildHandlers(asterisk: Asterisk): Record<string, AriHandler> {
  /** Runs `fn` on a channel in Stasis, or answers 404 like Asterisk for a gone channel. */
  const withChannel =
    (fn: (channel: SimChannel, req: AriRequest) => AriResponse): AriHandler =>
    (req) => {
      const channel = asterisk.liveChannel(req.params.channelId);
      return channel ? fn(channel, req) : CHANNEL_NOT_FOUND;
    };

  const play = (channel: SimChannel, req: AriRequest): AriResponse => {
    // `media` may repeat and each value may be a comma list; all of it is one playback.
    const media = req.query
      .getAll('media')
      .flatMap((m) => m.split(','))
      .filter((m) => m !== '');
    if (media.length === 0) return error(500, 'Failed to queue media for playback');
    const id = req.params.playbackId ?? req.query.get('playbackId') ?? randomUUID();
    const op = channel.newPlayback(id, media, req.query.get('lang') ?? undefined);
    asterisk.playbacks.set(id, op);
    const reply: PlaybackJson = op.json();
    // Starting on an idle channel sends PlaybackStarted before this 201 (README §3).
    channel.enqueue(op);
    if (op.state !== 'queued') reply.state = 'playing';
    return ok(reply, 201);
  };

  const record = (channel: SimChannel, req: AriRequest): AriResponse => {
    const q = req.query;
    const name = q.get('name');
    const format = q.get('format');
    if (!name) return error(400, 'Recording name is required');
    if (!format) return error(400, 'Recording format is required');
    const maxDurationSeconds = intParam(q, 'maxDurationSeconds') ?? 0;
    const maxSilenceSeconds = intParam(q, 'maxSilenceSeconds') ?? 0;
    if (Number.isNaN(maxDurationSeconds) || maxDurationSeconds < 0) return error(400, 'maxDurationSeconds cannot be negative');
    if (Number.isNaN(maxSilenceSeconds) || maxSilenceSeconds < 0) return error(400, 'maxSilenceSeconds cannot be negative');
    const ifExists = q.get('ifExists') ?? 'fail';
    if (!['fail', 'overwrite', 'append'].includes(ifExists)) return error(400, 'ifExists invalid');
    const terminateOn = q.get('terminateOn') ?? 'none';
    if (!/^(none|any|[0-9A-D*#]+)$/.test(terminateOn)) return error(400, 'terminateOn invalid');
    if (!RECORDING_FORMATS.has(format)) return error(422, 'specified format is unknown on this system');
    const exists = asterisk.stored.has(name) || asterisk.liveRecordings.has(name);
    if (exists && ifExists === 'fail') return error(409, `Recording '${name}' already exists and can not be overwritten`);
    const op = channel.newRecording({
      name,
      format,
      maxDurationSeconds,
      maxSilenceSeconds,
      beep: q.get('beep') === 'true',
      terminateOn,
      append: ifExists === 'append',
    });
    asterisk.liveRecordings.set(name, op);
    const reply: LiveRecordingJson = op.json();
    channel.enqueue(op); // RecordingStarted goes out first when it starts at once
    if (op.state !== 'queued') reply.state = 'recording';
    return ok(reply, 201);
  };

  const storedJson = (name: string): StoredRecordingJson | undefined => {
    const rec = asterisk.stored.get(name);
    return rec ? { name, format: rec.format } : undefined;
  };

  return {
    /* ---------------------------------------------------------------- asterisk */
    'GET /asterisk/ping': () => ok({ asterisk_id: asteriskIdOf(asterisk), ping: 'pong', timestamp: asteriskTimestamp() }),
    'GET /asterisk/info': () =>
      ok({
        system: { version: '22.10.1', entity_id: asteriskIdOf(asterisk) },
        config: { name: '', default_language: 'en', setid: { user: 'asterisk', group: 'asterisk' } },
      }),

    /* ---------------------------------------------------------------- channels */
    'GET /channels': () => ok([...asterisk.channels.values()].filter((c) => c.inStasis).map((c) => c.json())),
    'GET /channels/{channelId}': withChannel((c) => ok(c.json())),
    'DELETE /channels/{channelId}': withChannel((c, req) => {
      const reason = req.query.get('reason');
      if (reason && !HANGUP_REASONS.has(reason)) return error(400, 'Invalid reason for hangup provided');
      return noContent(() => c.hangupByApp());
    }),
    'POST /channels/{channelId}/answer': withChannel((c) => {
      c.answer();
      return noContent();
    }),
    'POST /channels/{channelId}/ring': withChannel(() => noContent()),
    'DELETE /channels/{channelId}/ring': withChannel(() => noContent()),
    // DTMF sent on the Stasis channel goes OUT to the caller: no event here (README §4).
    'POST /channels/{channelId}/dtmf': withChannel((_c, req) => (req.query.get('dtmf') ? noContent() : error(400, 'DTMF is required'))),
    'POST /channels/{channelId}/continue': withChannel((c) => noContent(() => c.continueInDialplan())),
    'POST /channels/{channelId}/play': withChannel(play),
    'POST /channels/{channelId}/play/{playbackId}': withChannel(play),
    'POST /channels/{channelId}/record': withChannel(record),

    /* ---------------------------------------------------------------- playbacks */
    'GET /playbacks/{playbackId}': (req) => {
      const op = asterisk.playbacks.get(req.params.playbackId);
      return op ? ok(op.json()) : PLAYBACK_NOT_FOUND;
    },
    'DELETE /playbacks/{playbackId}': (req) => {
      const op = asterisk.playbacks.get(req.params.playbackId);
      if (!op) return PLAYBACK_NOT_FOUND;
      asterisk.playbacks.delete(op.id); // a second DELETE is a 404 at once
      return noContent(() => op.stop());
    },

    /* ---------------------------------------------------------------- recordings */
    'GET /recordings/stored': () =>
      ok(
        [...asterisk.stored.keys()]
          .sort()
          .map((name) => storedJson(name)),
      ),
    'GET /recordings/stored/{recordingName}': (req) => {
      const rec = storedJson(req.params.recordingName);
      return rec ? ok(rec) : RECORDING_NOT_FOUND;
    },
    'DELETE /recordings/stored/{recordingName}': (req) =>
      asterisk.stored.delete(req.params.recordingName) ? noContent() : RECORDING_NOT_FOUND,
    'GET /recordings/stored/{recordingName}/file': (req) => {
      const rec = asterisk.stored.get(req.params.recordingName);
      if (!rec) return RECORDING_NOT_FOUND;
      return { status: 200, binary: { contentType: 'audio/wav', data: silentWav(rec.durationSec) } };
    },
    'POST /recordings/stored/{recordingName}/copy': (req) => {
      const rec = asterisk.stored.get(req.params.recordingName);
      if (!rec) return RECORDING_NOT_FOUND;
      const destination = req.query.get('destinationRecordingName');
      if (!destination) return error(400, 'destinationRecordingName is required');
      if (asterisk.stored.has(destination)) return error(409, 'A recording with the same name already exists on the system');
      asterisk.stored.set(destination, { ...rec });
      return ok(storedJson(destination));
    },
    'GET /recordings/live/{recordingName}': (req) => {
      const op = asterisk.liveRecordings.get(req.params.recordingName);
      return op ? ok(op.json()) : RECORDING_NOT_FOUND;
    },
    'DELETE /recordings/live/{recordingName}': (req) => {
      const op = asterisk.liveRecordings.get(req.params.recordingName);
      return op ? noContent(() => op.cancel()) : RECORDING_NOT_FOUND;
    },
    'POST /recordings/live/{recordingName}/stop': (req) => {
      const op = asterisk.liveRecordings.get(req.params.recordingName);
      return op ? noContent(() => op.stop()) : RECORDING_NOT_FOUND;
    },

    /* ---------------------------------------------------------------- mailboxes */
    'GET /mailboxes': () =>
      ok([...asterisk.mailboxes].map(([name, m]) => ({ name, old_messages: m.oldMessages, new_messages: m.newMessages }))),
    'GET /mailboxes/{mailboxName}': (req) => {
      const m = asterisk.mailboxes.get(req.params.mailboxName);
      return m ? ok({ name: req.params.mailboxName, old_messages: m.oldMessages, new_messages: m.newMessages }) : MAILBOX_NOT_FOUND;
    },
    'PUT /mailboxes/{mailboxName}': (req) => {
      // A PUT without counts resets them to 0/0 (README §6).
      const oldMessages = intParam(req.query, 'oldMessages') ?? 0;
      const newMessages = intParam(req.query, 'newMessages') ?? 0;
      if (Number.isNaN(oldMessages) || Number.isNaN(newMessages)) return error(400, 'Invalid message count');
      const name = req.params.mailboxName;
      asterisk.mailboxes.set(name, { oldMessages, newMessages });
      asterisk.mailboxUpdates.push({ at: Date.now(), name, oldMessages, newMessages });
      return noContent();
    },
    'DELETE /mailboxes/{mailboxName}': (req) => {
      const name = req.params.mailboxName;
      if (!asterisk.mailboxes.delete(name)) return MAILBOX_NOT_FOUND;
      asterisk.mailboxUpdates.push({ at: Date.now(), name });
      return noContent();
    },

    /* ---------------------------------------------------------------- applications */
    'GET /applications': () => ok(asterisk.applications()),
    'GET /applications/{applicationName}': (req) =>
      asterisk.appExists(req.params.applicationName)
        ? ok(asterisk.application(req.params.applicationName))
        : error(404, 'Application not found'),
  };
}

function asteriskIdOf(asterisk: Asterisk): string {
  return asterisk.hub.asteriskId;
}
