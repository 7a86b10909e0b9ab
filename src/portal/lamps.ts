/**
 * Message-waiting lamps: after every change of a mailbox's counts, Asterisk
 * is told both numbers with `PUT /mailboxes/<extension>@voice-portal` (res_mwi_external; a
 * PUT without counts would reset the lamp to 0/0). Desk phones subscribe to that mailbox
 * name (`mailboxes=1001@voice-portal` on the PJSIP endpoint).
 *
 * A lamp is a convenience, never a reason to fail a call: errors are caught here. The first
 * failure is logged at warn (typically res_mwi_external not loaded: 404 "Mailbox is does not
 * exist" or 501), later ones at debug until a lamp works again, so a PBX without the module
 * does not flood the log.
 *
 * Updates of one mailbox are serialised, and each reads the counts when its turn comes: two
 * changes racing cannot leave the lamp showing the older counts.
 */
import type { MessageWaiting } from '../ari';
import type { Logger } from '../log';
import type { MessageCounts } from '../store';

/** The Asterisk mailbox a user's lamps follow. */
export function lampMailboxName(extension: string): string {
  return `${extension}@voice-portal`;
}

/** Whose lamp: the user (for the counts) and the extension (for the mailbox name). */
export interface LampOwner {
  id: string;
  extension: string;
  /** The user's location: which Asterisk servers show the lamp (MWI_SERVERS). */
  locationId?: string;
}

export interface MailboxLamps {
  /** Show the user's current counts. Never throws. */
  refresh(owner: LampOwner): Promise<void>;
}

export class Lamps implements MailboxLamps {
  private readonly queues = new Map<string, Promise<void>>();
  private warned = false;

  constructor(
    private readonly mwi: MessageWaiting,
    private readonly countsOf: (userId: string) => Promise<MessageCounts>,
    private readonly log: Logger,
  ) {}

  refresh(owner: LampOwner): Promise<void> {
    const mailbox = lampMailboxName(owner.extension);
    const previous = this.queues.get(mailbox) ?? Promise.resolve();
    const mine = previous.then(() => this.update(owner, mailbox));
    this.queues.set(mailbox, mine);
    // Forget the queue once it is drained (unless a later update joined it meanwhile).
    void mine.then(() => {
      if (this.queues.get(mailbox) === mine) this.queues.delete(mailbox);
    });
    return mine;
  }

  /** Every user's lamp, one after another (start-up, reconnection). Never throws. */
  async resync(owners: readonly LampOwner[]): Promise<void> {
    for (const owner of owners) await this.refresh(owner);
  }

  private async update(owner: LampOwner, mailbox: string): Promise<void> {
    try {
      const counts = await this.countsOf(owner.id);
      await this.mwi.update(mailbox, counts);
      if (this.warned) this.log.info('message-waiting lamps work again', { mailbox });
      this.warned = false;
    } catch (err) {
      const detail = { mailbox, user: owner.id, error: err instanceof Error ? err.message : String(err) };
      if (this.warned) {
        this.log.debug('message-waiting lamp not updated', detail);
      } else {
        this.warned = true;
        this.log.warn('message-waiting lamp not updated (is res_mwi_external loaded in Asterisk?); further failures are logged at debug', detail);
      }
    }
  }
}

/** The servers of `all` that show the lamps of a user of `locationId` (MWI_SERVERS). */
export function lampServers(locationId: string | undefined, serversOfLocation: Readonly<Record<string, readonly string[]>>, all: readonly string[]): string[] {
  const listed = locationId !== undefined ? serversOfLocation[locationId] : undefined;
  return listed ? all.filter((name) => listed.includes(name)) : [...all];
}

/**
 * Several Asterisk servers (issue #14): a user's phones may register on any of them, so the
 * lamp is set on each server the user's location names (MWI_SERVERS), or on all of them.
 * One `Lamps` per server: each server's updates are serialised and warned about on their own.
 */
export class LampsOnServers implements MailboxLamps {
  constructor(
    private readonly byServer: ReadonlyMap<string, Lamps>,
    /** Location id → server names; a location not listed: every server. */
    private readonly serversOfLocation: Readonly<Record<string, readonly string[]>>,
  ) {}

  /** The servers that show this owner's lamp. */
  serversFor(owner: LampOwner): string[] {
    return lampServers(owner.locationId, this.serversOfLocation, [...this.byServer.keys()]);
  }

  async refresh(owner: LampOwner): Promise<void> {
    await Promise.all(this.serversFor(owner).map((server) => this.byServer.get(server)?.refresh(owner)));
  }

  /** Every lamp of one server (that server's Asterisk (re)connected). Never throws. */
  async resyncServer(server: string, owners: readonly LampOwner[]): Promise<void> {
    const lamps = this.byServer.get(server);
    if (!lamps) return;
    await lamps.resync(owners.filter((owner) => this.serversFor(owner).includes(server)));
  }
}
