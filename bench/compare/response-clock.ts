/**
 * "A key reached the app's socket → the next ARI request left the app", timed on the double's
 * side through its wire tap (test/double `wireTap`): the moment the double hands a
 * ChannelDtmfReceived to the app's WebSocket, and the moment the double reads the headers of
 * the next REST request about that channel (`/channels/<id>…`, or `/playbacks/<id>` of a
 * playback on it). Both ends are in the double's process, one clock, over loopback: the
 * figure is the app's reaction time plus two loopback hops and the double's own event-loop
 * lag, which are the same for the portal and the floor.
 *
 * A key that no request follows before the channel's next key (a digit in the middle of a
 * PIN: the app only collects it) gives no sample. `#` is the key that ends the PIN (in the
 * portal, the scrypt verification and its Redis round trips come before the next request);
 * every other answered key (the first key stopping the welcome, `9` stopping the menu) is
 * "without the hash".
 */
import { performance } from 'node:perf_hooks';
import type { WireTap } from '../../test/double';

export interface ResponseSamples {
  /** Responses to `#` (PIN end: the hash is in it), ms. */
  hash: number[];
  /** Responses to every other key, ms. */
  other: number[];
  /** REST requests seen in the window, by method and route shape (`POST /channels/{id}/play`). */
  requests: Record<string, number>;
}

const CHANNEL_PATH = /^\/ari\/channels\/([^/?]+)/;
const PLAYBACK_PATH = /^\/ari\/playbacks\/([^/?]+)/;

export class ResponseClock {
  private readonly pending = new Map<string, { at: number; digit: string }>();
  private readonly playbackChannel = new Map<string, string>();
  private samples: ResponseSamples = { hash: [], other: [], requests: {} };

  /** Start a new window; the samples of the previous one are returned. */
  take(): ResponseSamples {
    const done = this.samples;
    this.samples = { hash: [], other: [], requests: {} };
    return done;
  }

  readonly tap: WireTap = {
    eventSent: (_app, event) => {
      const type = event.type;
      if (type === 'ChannelDtmfReceived') {
        const channel = (event.channel as { id?: string } | undefined)?.id;
        if (channel) this.pending.set(channel, { at: performance.now(), digit: String(event.digit) });
      } else if (type === 'PlaybackStarted' || type === 'PlaybackFinished') {
        const playback = event.playback as { id?: string; target_uri?: string } | undefined;
        if (!playback?.id) return;
        const target = playback.target_uri ?? '';
        if (type === 'PlaybackStarted' && target.startsWith('channel:')) this.playbackChannel.set(playback.id, target.slice('channel:'.length));
        else this.playbackChannel.delete(playback.id);
      } else if (type === 'StasisEnd') {
        const channel = (event.channel as { id?: string } | undefined)?.id;
        if (channel) this.pending.delete(channel);
      }
    },
    requestReceived: (method, url) => {
      const at = performance.now();
      // Ids and mailbox names collapse into their route: a route per request, not per resource.
      const path = url.split('?')[0]?.replace(/^\/ari/, '').replace(/^\/mailboxes\/[^/]+/, '/mailboxes/{name}');
      const route = `${method} ${path?.replace(/\/[0-9a-f-]{36}|\/\d+\.\d+/g, '/{id}')}`;
      this.samples.requests[route] = (this.samples.requests[route] ?? 0) + 1;
      const channel = CHANNEL_PATH.exec(url)?.[1] ?? this.playbackChannel.get(PLAYBACK_PATH.exec(url)?.[1] ?? '');
      if (!channel) return;
      const key = this.pending.get(channel);
      if (!key) return;
      this.pending.delete(channel);
      (key.digit === '#' ? this.samples.hash : this.samples.other).push(at - key.at);
    },
  };
}
