/**
 * A local HTTP endpoint standing in for the administrator's lockout webhook: it keeps the JSON
 * bodies it accepts and can refuse the next few deliveries (to exercise the retries).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/<path> */
  readonly url: string;
  /** Bodies accepted so far, in order (clear with `received.length = 0`). */
  readonly received: Record<string, unknown>[];
  /** The Authorization header of every delivery (accepted or refused), in order. */
  readonly authorizations: (string | undefined)[];
  /**
   * Answer the next `count` deliveries with `status` (a failure) instead of accepting them;
   * `location` adds a Location header (to answer with a redirect).
   */
  refuseNext(count: number, status?: number, location?: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const received: Record<string, unknown>[] = [];
  let refusals = 0;
  let refusalStatus = 500;
  let refusalLocation: string | undefined;
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      authorizations.push(req.headers.authorization);
      if (refusals > 0) {
        refusals--;
        res.writeHead(refusalStatus, refusalLocation !== undefined ? { location: refusalLocation } : {}).end();
        return;
      }
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    authorizations,
    refuseNext(count, status = 500, location) {
      refusals = count;
      refusalStatus = status;
      refusalLocation = location;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
