/**
 * A loopback TCP proxy that puts network faults between the application and a server (Redis
 * in the chaos tests): pass traffic through, reset every connection, refuse new ones, or
 * hold every reply back for a while (a server that answers late).
 *
 * Listens on 127.0.0.1 only and forwards only to 127.0.0.1:`targetPort`.
 */
import { createServer, Socket, type Server } from 'node:net';

export type ProxyMode =
  /** Bytes flow both ways at once. */
  | 'pass'
  /** Every connection is reset (RST) as soon as it is accepted: a server that is down. */
  | 'refuse';

export class FaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private mode: ProxyMode = 'pass';
  /** Replies (server → client) are delivered this long after they arrived. */
  private replyDelayMs = 0;
  port = 0;

  private constructor(private readonly targetPort: number) {}

  static async start(targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort);
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Reset every open connection (RST); new connections are accepted as usual. */
  resetConnections(): void {
    for (const pair of [...this.pairs]) this.cut(pair);
  }

  /** 'refuse': reset every open connection and every new one until set back to 'pass'. */
  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'refuse') this.resetConnections();
  }

  /** Hold every reply `ms` before passing it on (0: at once). */
  setReplyDelay(ms: number): void {
    this.replyDelayMs = ms;
  }

  /** Back to normal: pass, no delay. */
  heal(): void {
    this.mode = 'pass';
    this.replyDelayMs = 0;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.resetConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        this.port = typeof address === 'object' && address ? address.port : 0;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const forget = (): void => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget);
    upstream.on('close', forget);
    upstream.connect(this.targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      if (!upstream.destroyed) upstream.write(chunk);
    });
    // Replies keep their order whatever the delay does meanwhile: each chunk is due no
    // earlier than the one before it (a byte stream must never be reordered).
    const queue: { chunk: Buffer; due: number }[] = [];
    let pumping: NodeJS.Timeout | undefined;
    const pump = (): void => {
      pumping = undefined;
      while (queue.length > 0 && (queue[0] as { due: number }).due <= Date.now()) {
        const { chunk } = queue.shift() as { chunk: Buffer };
        if (!client.destroyed) client.write(chunk);
      }
      if (queue.length > 0) pumping = setTimeout(pump, (queue[0] as { due: number }).due - Date.now());
    };
    upstream.on('data', (chunk: Buffer) => {
      const previous = queue[queue.length - 1]?.due ?? 0;
      queue.push({ chunk, due: Math.max(Date.now() + this.replyDelayMs, previous) });
      if (pumping === undefined) pump();
    });
    client.on('close', () => clearTimeout(pumping));
  }

  private cut(pair: { client: Socket; upstream: Socket }): void {
    this.pairs.delete(pair);
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    pair.upstream.destroy();
  }
}
