/**
 * High-availability tests and the failover bench (issue #14): application instances as real
 * `node` processes (the source transpiled once, as test/cli/support.ts does for the CLI),
 * several ARI test doubles standing for several Asterisk servers, one private Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { PEPPER } from '../support/portal-harness';
import type { PreparedCli } from '../cli/support';

export const REPO = path.resolve(__dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export interface ReadyBody {
  status: string;
  ari: string;
  draining: boolean;
  role?: string;
  servers?: Record<string, { ari: string; lease?: string }>;
}

export interface Instance {
  readonly name: string;
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly exit: Promise<number | null>;
  stderr(): string;
  readyz(): Promise<{ status: number; body: ReadyBody }>;
  /** Resolves once /readyz satisfies `pred` (polled); rejects after `timeoutMs` with the last body. */
  waitReady(pred: (body: ReadyBody) => boolean, timeoutMs?: number): Promise<ReadyBody>;
  /** The lease role /readyz reports for one server (undefined if it cannot answer). */
  leaseOf(server: string): Promise<string | undefined>;
  kill(signal: NodeJS.Signals): void;
}

export interface InstanceOptions {
  name: string;
  built: PreparedCli;
  redisUrl: string;
  servers: { name: string; url: string }[];
  ariUser: string;
  ariPassword: string;
  env?: Record<string, string>;
}

/** `node <built>/src/main.js` with ARI_LEASE=on against the given servers. */
export async function startInstance(opts: InstanceOptions): Promise<Instance> {
  const httpPort = await freePort();
  const main = path.join(path.dirname(path.dirname(opts.built.main)), 'main.js');
  const child = spawn(process.execPath, [main], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: path.join(REPO, 'node_modules'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      ARI_SERVERS: opts.servers.map((s) => `${s.name}=${s.url}`).join(','),
      ARI_USERNAME: opts.ariUser,
      ARI_PASSWORD: opts.ariPassword,
      ARI_LEASE: 'on',
      REDIS_URL: opts.redisUrl,
      PIN_PEPPER: PEPPER,
      HTTP_PORT: String(httpPort),
      ...opts.env,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readyz = async (): Promise<{ status: number; body: ReadyBody }> => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    return { status: res.status, body: (await res.json()) as ReadyBody };
  };
  const instance: Instance = {
    name: opts.name,
    child,
    httpPort,
    exit,
    stderr: () => stderr,
    readyz,
    async waitReady(pred, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: ReadyBody | undefined;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${opts.name} exited; stderr: ${stderr.slice(-2000)}`);
        try {
          last = (await readyz()).body;
          if (pred(last)) return last;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`${opts.name}: /readyz never matched; last ${JSON.stringify(last)}; stderr: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async leaseOf(server) {
      try {
        return (await readyz()).body.servers?.[server]?.lease;
      } catch {
        return undefined;
      }
    },
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  return instance;
}

/** Every instance killed (clean-up), waiting for their exits. */
export async function stopAll(instances: Instance[]): Promise<void> {
  for (const i of instances) i.kill('SIGKILL');
  await Promise.all(instances.map((i) => i.exit));
}
