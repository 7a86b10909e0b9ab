/**
 * A real `redis-server` child with AOF persistence in a temporary directory, for the chaos
 * tests: it can be frozen (SIGSTOP: the process is there but answers nothing), killed
 * (SIGKILL) or shut down (SIGTERM), and started again on the same port with its data.
 * Loopback only; never the machine's own Redis on 6379.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, Socket } from 'node:net';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when the server answers PING with PONG (a server still loading the AOF says LOADING). */
async function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.connect(port, '127.0.0.1', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

export interface AofRedisOptions {
  /** `always` (default here: a SIGKILL loses nothing) or `everysec` (what README advises). */
  appendfsync?: 'always' | 'everysec';
}

export class AofRedis {
  private child: ChildProcess | undefined;
  private frozen = false;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly opts: AofRedisOptions,
  ) {}

  static async start(opts: AofRedisOptions = {}): Promise<AofRedis> {
    const redis = new AofRedis(await freePort(), mkdtempSync(join(tmpdir(), 'voice-portal-aof-')), opts);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      [
        '--port', String(this.port),
        '--bind', '127.0.0.1',
        '--dir', this.dir,
        '--save', '',
        '--appendonly', 'yes',
        '--appendfsync', this.opts.appendfsync ?? 'always',
        // Stalls of 100 ms or more are kept, so a failed chaos run can say whether Redis
        // itself was slow (`latencies`).
        '--latency-monitor-threshold', '100',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (await pong(this.port)) return;
      if (!this.child) throw new Error('redis-server exited at start');
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`redis-server did not answer on port ${this.port}`);
  }

  /**
   * Redis's own record of its stalls of 100 ms or more (`LATENCY LATEST`: event, last time,
   * last ms, worst ms), one line each; empty when there were none or Redis is not running.
   */
  async latencies(): Promise<string> {
    if (!this.child || this.frozen) return '';
    return new Promise((resolve) => {
      execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), '--csv', 'LATENCY', 'LATEST'], { timeout: 5000 }, (err, stdout) => {
        resolve(err ? '' : stdout.trim());
      });
    });
  }

  /** SIGSTOP: connections stay open, nothing is answered (a hung server or host). */
  freeze(): void {
    if (!this.child || this.frozen) return;
    this.child.kill('SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (!this.child || !this.frozen) return;
    this.child.kill('SIGCONT');
    this.frozen = false;
  }

  /** SIGKILL (a crash) or SIGTERM (a clean shutdown: the AOF is flushed). */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      if (this.frozen && signal !== 'SIGKILL') child.kill('SIGCONT');
      child.kill(signal);
    });
    this.frozen = false;
  }

  /** Stop (SIGKILL by default), then start again from the AOF. */
  async restart(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL', downMs = 0): Promise<void> {
    await this.stop(signal);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /** Stop for good and remove the data directory. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
