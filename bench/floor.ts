/**
 * The floor: the smallest honest ari-client application that makes the ARI requests a portal
 * login call makes, and nothing else: no Redis, no hashing, no logging, no configuration
 * beyond the connection. `npm run bench -- compare` measures the portal against it in the
 * same run, on the same double and the same callers. What it costs is what any ARI
 * application must pay; what the portal costs above it is the portal's own.
 *
 * One call, request for request as the portal's login from one's own phone:
 *   StasisStart → POST answer → POST play welcome (own playback id, so events racing the
 *   reply are recognised) · first key while it plays → DELETE the playback (barge-in) ·
 *   keys up to '#' → POST play main-menu · '9' → DELETE the menu if it still plays, then
 *   POST play goodbye · its PlaybackFinished → DELETE the channel (hang up).
 *
 * "Honest" means it would serve a real Asterisk as well: one listener per event type on the
 * client (channel.on() listeners are never removed by ari-client), every handler wrapped (a
 * throw inside one wedges ari-client's socket), state dropped at StasisEnd.
 *
 * "Floor + hash" is the same application with one PIN verification on `#` (the typed digits
 * against a stored hash, with the portal's scrypt parameters, before the main menu plays):
 * FLOOR_PIN_HASH and FLOOR_PIN_PEPPER set. What it costs above the floor, in the same run, is
 * what a PIN hash costs an ARI application under that load: scrypt on the thread pool, and
 * what four memory-hard scrypts on two cores take from everything else in the process.
 *
 * Run as its own process: `FLOOR_ARI_URL=… FLOOR_ARI_USERNAME=… FLOOR_ARI_PASSWORD=…
 * FLOOR_ARI_APP=… node -r ts-node/register/transpile-only bench/floor.ts`; SIGTERM stops it.
 * Requests that fail are written to stderr as `floor error: …` lines (the benchmark counts them).
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'ari-client';
import { verifyPin } from '../src/security/pin-hash';

/** The few parts of ari-client's Client the floor uses (its typings lack the EventEmitter side). */
interface FloorClient {
  on(event: string, listener: (event: unknown) => void): unknown;
  start(app: string): PromiseLike<void>;
  stop(): void;
  channels: {
    answer(p: { channelId: string }): PromiseLike<unknown>;
    play(p: { channelId: string; media: string; playbackId: string }): PromiseLike<unknown>;
    hangup(p: { channelId: string }): PromiseLike<unknown>;
  };
  playbacks: { stop(p: { playbackId: string }): PromiseLike<unknown> };
}

interface FloorEvent {
  channel?: { id?: string };
  digit?: string;
  playback?: { id?: string; target_uri?: string };
}

type Stage = 'welcome' | 'pin' | 'menu' | 'goodbye';

interface FloorCall {
  id: string;
  stage: Stage;
  /** Id of the playback in progress (undefined once it finished or was stopped). */
  playing: string | undefined;
  goodbyeId?: string;
  /** Keys typed before `#` (verified when the floor hashes). */
  digits: string;
}

const WELCOME = 'sound:voice-portal/welcome';
const MAIN_MENU = 'sound:voice-portal/main-menu';
const GOODBYE = 'sound:voice-portal/goodbye';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

function fail(what: string, err: unknown): void {
  process.stderr.write(`floor error: ${what}: ${err instanceof Error ? err.message : String(err)}\n`);
}

async function main(): Promise<void> {
  const app = required('FLOOR_ARI_APP');
  const client = (await connect(required('FLOOR_ARI_URL'), required('FLOOR_ARI_USERNAME'), required('FLOOR_ARI_PASSWORD'))) as unknown as FloorClient;
  const calls = new Map<string, FloorCall>();
  const storedHash = process.env.FLOOR_PIN_HASH;
  const pepper = process.env.FLOOR_PIN_PEPPER ?? '';
  /** One verification whatever its verdict: its cost does not depend on the digits. */
  const verify = async (digits: string): Promise<void> => {
    if (storedHash) await verifyPin(digits, storedHash, pepper);
  };

  const play = async (call: FloorCall, media: string): Promise<void> => {
    const playbackId = randomUUID();
    call.playing = playbackId;
    if (media === GOODBYE) call.goodbyeId = playbackId;
    await client.channels.play({ channelId: call.id, media, playbackId });
  };
  /** Barge-in: DELETE the prompt still playing, and wait for Asterisk's answer (as the portal does). */
  const stopPrompt = async (call: FloorCall): Promise<void> => {
    const playbackId = call.playing;
    if (!playbackId) return;
    call.playing = undefined;
    await client.playbacks.stop({ playbackId }).then(undefined, () => undefined); // 404: it just ended
  };

  const on = (type: string, handler: (event: FloorEvent) => Promise<void> | void): void => {
    client.on(type, (raw) => {
      try {
        void Promise.resolve(handler((raw ?? {}) as FloorEvent)).catch((err: unknown) => fail(type, err));
      } catch (err) {
        fail(type, err);
      }
    });
  };

  on('StasisStart', async (event) => {
    const id = event.channel?.id;
    if (!id || calls.has(id)) return;
    const call: FloorCall = { id, stage: 'welcome', playing: undefined, digits: '' };
    calls.set(id, call);
    await client.channels.answer({ channelId: id });
    await play(call, WELCOME);
  });
  on('StasisEnd', (event) => {
    calls.delete(event.channel?.id ?? '');
  });
  on('PlaybackFinished', async (event) => {
    const target = event.playback?.target_uri ?? '';
    const call = calls.get(target.startsWith('channel:') ? target.slice('channel:'.length) : '');
    if (!call || event.playback?.id !== call.playing) return;
    call.playing = undefined;
    if (call.stage === 'goodbye' && event.playback?.id === call.goodbyeId) await client.channels.hangup({ channelId: call.id });
  });
  on('ChannelDtmfReceived', async (event) => {
    const call = calls.get(event.channel?.id ?? '');
    if (!call) return;
    const digit = event.digit ?? '';
    if (call.stage === 'welcome') {
      call.stage = 'pin';
      await stopPrompt(call);
    }
    if (call.stage === 'pin' && digit === '#') {
      call.stage = 'menu';
      await verify(call.digits);
      await play(call, MAIN_MENU);
    } else if (call.stage === 'pin') {
      call.digits += digit;
    } else if (call.stage === 'menu' && digit === '9') {
      call.stage = 'goodbye';
      await stopPrompt(call);
      await play(call, GOODBYE);
    }
  });

  await client.start(app);
  const stop = (): void => {
    client.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  fail('start', err);
  process.exit(1);
});
