/**
 * The events WebSocket side of the double (`/ari/events?app=a,b`): which socket currently
 * owns each Stasis app, and delivery. As in Asterisk 22 (README §8):
 * - the newest socket for an app takes it over; the previous one gets ApplicationReplaced
 *   and then nothing more for that app, although it stays open;
 * - an event for an app with no socket is dropped, never queued.
 */
import { WebSocket } from 'ws';
import type { WireTap } from './control';
import { asteriskTimestamp, type EventBody } from './wire';

interface EventSocket {
  ws: WebSocket;
  /** Apps this socket asked for (`app=` list), kept for socketCount(). */
  requested: string[];
}

/** A fault the control API arms on the next event(s) of one type (see control.ts `EventFault`). */
export interface ArmedEventFault {
  type: string;
  action: 'drop' | 'duplicate';
  /** Only events for this channel (its id in `channel`, or the target of a playback/recording). */
  channelId?: string;
  remaining: number;
  /** How many events it hit so far. */
  hits: number;
}

function eventChannel(body: EventBody): string | undefined {
  const b = body as { channel?: { id?: string }; playback?: { target_uri?: string }; recording?: { target_uri?: string } };
  const target = b.playback?.target_uri ?? b.recording?.target_uri;
  if (target?.startsWith('channel:')) return target.slice('channel:'.length);
  return b.channel?.id;
}

export class EventHub {
  private readonly sockets = new Set<EventSocket>();
  readonly eventFaults: ArmedEventFault[] = [];
  private readonly owners = new Map<string, EventSocket>();

  constructor(
    readonly asteriskId: string,
    private readonly tap?: WireTap,
  ) {}

  /** Registers a freshly upgraded socket for its apps (it replaces their previous owners). */
  attach(ws: WebSocket, apps: string[]): void {
    const socket: EventSocket = { ws, requested: apps };
    this.sockets.add(socket);
    for (const app of apps) {
      const previous = this.owners.get(app);
      this.owners.set(app, socket);
      if (previous && previous !== socket) {
        this.sendRaw(previous, {
          type: 'ApplicationReplaced',
          timestamp: asteriskTimestamp(),
          application: app,
          asterisk_id: this.asteriskId,
        });
      }
    }
    const forget = (): void => {
      this.sockets.delete(socket);
      for (const [app, owner] of this.owners) if (owner === socket) this.owners.delete(app);
    };
    ws.on('close', forget);
    ws.on('error', forget);
    // Clients never send anything meaningful; ignore it like Asterisk does.
    ws.on('message', () => undefined);
  }

  /** Sends an event to the app's current socket; false when it was dropped (no socket). */
  send(app: string, body: EventBody): boolean {
    const owner = this.owners.get(app);
    if (!owner) return false;
    const fault = this.takeFault(body);
    if (fault === 'drop') return false;
    const event = { ...body, asterisk_id: this.asteriskId, application: app };
    const sent = this.sendRaw(owner, event);
    if (sent) this.tap?.eventSent?.(app, event);
    if (fault === 'duplicate') this.sendRaw(owner, event);
    return sent;
  }

  /** The first armed fault that matches this event, used up by one hit. */
  private takeFault(body: EventBody): ArmedEventFault['action'] | undefined {
    const type = (body as { type?: string }).type;
    const index = this.eventFaults.findIndex(
      (f) => f.remaining > 0 && f.type === type && (f.channelId === undefined || f.channelId === eventChannel(body)),
    );
    if (index < 0) return undefined;
    const fault = this.eventFaults[index] as ArmedEventFault;
    fault.remaining -= 1;
    fault.hits += 1;
    if (fault.remaining === 0) this.eventFaults.splice(index, 1);
    return fault.action;
  }

  hasSocket(app: string): boolean {
    return this.owners.has(app);
  }

  /** Open sockets that asked for `app` (a replaced one still counts while open); all when omitted. */
  socketCount(app?: string): number {
    let n = 0;
    for (const s of this.sockets) {
      if (s.ws.readyState !== WebSocket.OPEN) continue;
      if (app === undefined || s.requested.includes(app)) n++;
    }
    return n;
  }

  registeredApps(): string[] {
    return [...this.owners.keys()].sort();
  }

  /** Abrupt close of every socket (no close frame), as a network drop or a killed Asterisk. */
  terminateAll(): void {
    for (const s of [...this.sockets]) s.ws.terminate();
    this.sockets.clear();
    this.owners.clear();
  }

  private sendRaw(socket: EventSocket, event: Record<string, unknown>): boolean {
    if (socket.ws.readyState !== WebSocket.OPEN) return false;
    socket.ws.send(JSON.stringify(event));
    return true;
  }
}
