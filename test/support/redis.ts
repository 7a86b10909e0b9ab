/**
 * A private Redis for one test file.
 *
 * With a container runtime (a Docker socket or DOCKER_HOST that answers), a testcontainers
 * Redis; otherwise a `redis-server` child on a free port with no persistence. Either way the
 * server belongs to the test that started it, so flushing, stopping and restarting it never
 * touches a Redis the tests did not start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Stop the server (simulates Redis going down; also the afterAll clean-up). */
  stop(): Promise<void>;
  /**
   * Start it again on the same port with an empty dataset. Only a `restartable` Redis
   * supports it (always a child process, since a container comes back on another port).
   */
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
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

async function ping(port: number): Promise<boolean> {
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

function containerRuntimeLikely(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

class ChildRedis implements TestRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await ping(this.port)) return;
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`redis-server did not answer on port ${this.port}`);
  }
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/**
 * Start a Redis that this test file owns. Call `stop()` in afterAll.
 * `restartable`: the test will stop and start it (Redis-down scenarios).
 */
export async function startTestRedis(opts: { restartable?: boolean } = {}): Promise<TestRedis> {
  if (!opts.restartable && containerRuntimeLikely()) {
    try {
      // Loaded lazily: testcontainers is heavy and useless without a runtime.
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7-alpine').start();
      const port = container.getFirstMappedPort();
      return {
        url: `redis://${container.getHost()}:${port}`,
        port,
        stop: async () => {
          await container.stop();
        },
        start: async () => {
          throw new Error('a container Redis cannot restart on the same port: use { restartable: true }');
        },
      };
    } catch {
      // No working runtime after all: fall through to a child process.
    }
  }
  const redis = new ChildRedis(await freePort());
  await redis.start();
  return redis;
}
