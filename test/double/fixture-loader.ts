/**
 * Reads the Asterisk 22.10 captures (test/fixtures/asterisk-22.10/*.jsonl) and reduces events
 * and REST replies to comparable signatures: what the application can observe, minus ids,
 * timestamps and the races the README documents.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AriEventJson } from './test-support';

export const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'asterisk-22.10');

export interface FixtureLine {
  phase?: string;
  event?: AriEventJson;
  method?: string;
  path?: string;
  status?: number;
  resBody?: unknown;
  rest?: string;
  body?: string;
  ws?: string;
  [key: string]: unknown;
}

export function loadFixture(file: string): FixtureLine[] {
  return fs
    .readFileSync(path.join(FIXTURE_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as FixtureLine);
}

interface ChannelLike {
  id: string;
  name: string;
  state: string;
}
interface PlaybackLike {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  language: string;
  state: string;
  target_uri: string;
}
interface RecordingLike {
  name: string;
  state: string;
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
}

export interface SignatureOptions {
  /** Compare RecordingFinished durations (off for Local-channel captures: no audio frames). */
  durations?: boolean;
  /** Compare DTMF durations (100 ms on Local, 280 ms from SIPp). */
  dtmfDuration?: boolean;
}

/** One event as a string holding everything comparable across runs. */
export function signature(e: AriEventJson, opts: SignatureOptions = {}): string {
  const channel = e.channel as ChannelLike | undefined;
  const playback = e.playback as PlaybackLike | undefined;
  const recording = e.recording as RecordingLike | undefined;
  switch (e.type) {
    case 'PlaybackStarted':
    case 'PlaybackContinuing':
    case 'PlaybackFinished': {
      const p = playback as PlaybackLike;
      return `${e.type} ${p.id} ${p.media_uri}${p.next_media_uri ? ` next=${p.next_media_uri}` : ''} ${p.language} ${p.state}`;
    }
    case 'RecordingStarted':
    case 'RecordingFinished': {
      const r = recording as RecordingLike;
      const extra =
        r.talking_duration !== undefined ? ` talking/silence${opts.durations ? `=${r.talking_duration}/${r.silence_duration}` : ''}` : '';
      const duration = r.duration === undefined ? '' : opts.durations ? ` duration=${r.duration}` : ' duration';
      return `${e.type} ${r.name} ${r.state}${duration}${extra}`;
    }
    case 'ChannelDtmfReceived':
      return `${e.type} ${String(e.digit)}${opts.dtmfDuration ? ` ${String(e.duration_ms)}ms` : ''}`;
    case 'ChannelHangupRequest':
      return `${e.type} cause=${String(e.cause)} soft=${String(e.soft)}`;
    case 'StasisStart':
      return `${e.type} ${JSON.stringify(e.args)} ${channel?.state}`;
    case 'ChannelStateChange':
      return `${e.type} ${channel?.state}`;
    case 'ChannelVarset':
      return `${e.type} ${String(e.variable)}`;
    case 'ApplicationReplaced':
      return `${e.type} ${String(e.application)}`;
    default:
      return e.type;
  }
}

/** Does this event concern the channel (by name) or a playback/recording targeting its id? */
export function concerns(e: AriEventJson, channelName: string, channelId: string): boolean {
  const channel = e.channel as ChannelLike | undefined;
  if (channel) return channel.name === channelName;
  const target = (e.playback as PlaybackLike | undefined)?.target_uri ?? (e.recording as { target_uri?: string } | undefined)?.target_uri;
  return target === `channel:${channelId}`;
}

/** Captured events of one phase, for the channel `channelName` only, as signatures. */
export function phaseSignatures(
  lines: FixtureLine[],
  phase: string | undefined,
  channelName: string,
  opts: SignatureOptions & { until?: string; ignore?: string[] } = {},
): string[] {
  const events = lines
    .filter((l) => l.event && (phase === undefined || l.phase === phase))
    .map((l) => l.event as AriEventJson)
    .filter((e) => !opts.ignore?.includes(e.type));
  const idOf = channelIdIn(lines, channelName);
  const mine = events.filter((e) => concerns(e, channelName, idOf));
  // After StasisEnd only the app-originated Local pair sends more (Varset, Destroyed, …).
  const end = mine.findIndex((e) => e.type === (opts.until ?? 'StasisEnd'));
  return (end >= 0 ? mine.slice(0, end + 1) : mine).map((e) => signature(e, opts));
}

/** The id a captured channel had (looked up over the whole capture). */
export function channelIdIn(lines: FixtureLine[], channelName: string): string {
  for (const l of lines) {
    const c = l.event?.channel as ChannelLike | undefined;
    if (c?.name === channelName) return c.id;
  }
  return '';
}

/** REST exchanges of a phase from probe-rest.jsonl matched by path substring. */
export function restReplies(lines: FixtureLine[], pathIncludes: string): Array<{ method: string; path: string; status: number; body: unknown }> {
  return lines
    .filter((l) => l.method && l.path?.includes(pathIncludes) && l.status !== undefined)
    .map((l) => ({ method: l.method as string, path: l.path as string, status: l.status as number, body: l.resBody }));
}

/**
 * A REST body with run-specific values replaced: channel ids, and the playback / recording
 * state of a 201 that races with its Started event (README §3: `queued` or `playing`).
 */
export function normaliseBody(body: unknown, channelIds: string[]): unknown {
  const json = JSON.stringify(body ?? null, (key, value: unknown) => {
    if (typeof value !== 'string') return value;
    let v = value;
    for (const id of channelIds) v = v.split(id).join('<channel>');
    return v;
  });
  return JSON.parse(json) as unknown;
}

export function raceState(body: unknown): unknown {
  if (body && typeof body === 'object' && 'state' in body) {
    const state = (body as { state: string }).state;
    if (['queued', 'playing', 'recording'].includes(state)) return { ...body, state: '<started-or-queued>' };
  }
  return body;
}
