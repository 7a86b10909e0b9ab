/**
 * Real replicated Redis set-ups for one test file, on free loopback ports, started and
 * removed by the test (never the Redis on 6379):
 * - `startTestCluster`: a Redis Cluster (`redis-server --cluster-enabled yes` × masters ×
 *   (1 + replicas), joined with `redis-cli --cluster create … --cluster-yes`);
 * - `startTestSentinels`: one master, its replicas and three Sentinels
 *   (`redis-server <conf> --sentinel`).
 * No persistence (a node killed and started again comes back empty and resyncs from its
 * master), a fast failure detector (1 s) so that failovers happen within a few seconds.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Free loopback ports; each also free at +10000 (a cluster node's bus port). */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await listenOnce(0);
    if (port + 10_000 > 65_535 || ports.includes(port)) continue;
    if ((await listenOnce(port + 10_000).catch(() => 0)) === 0) continue;
    ports.push(port);
  }
  return ports;
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });
}

/** One inline command over a raw socket (no client library: the test owns this server). */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let buf = '';
    const done = (reply: string | null): void => {
      sock.destroy();
      resolve(reply);
    };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.once('error', () => done(null));
    sock.connect(port, '127.0.0.1', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      buf += d.toString();
      // Simple replies and bulk strings are enough for PING, INFO, CLUSTER INFO/NODES.
      if (buf.startsWith('$')) {
        const header = buf.indexOf('\r\n');
        const length = Number(buf.slice(1, header));
        if (length < 0) done('');
        else if (buf.length >= header + 2 + length) done(buf.slice(header + 2, header + 2 + length));
      } else if (buf.includes('\r\n')) {
        done(buf.slice(0, buf.indexOf('\r\n')));
      }
    });
  });
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

class ServerProcess {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('redis-server', this.args, { stdio: 'ignore' });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await until(`redis-server on ${this.port}`, 10_000, async () => (await rawCommand(this.port, 'PING', 300)) === '+PONG');
  }

  /** SIGSTOP / SIGCONT: frozen, its connections open but silent (no replication ack). */
  freeze(frozen: boolean): void {
    this.child?.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** SIGKILL: the server dies without a word to its replicas or clients. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

// Diskless full syncs at once (the default waits 5 s for more replicas to join).
const COMMON_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--repl-diskless-sync-delay', '0'];

export interface ClusterNodeInfo {
  port: number;
  id: string;
  role: 'master' | 'replica';
  /** For a replica: its master's id. */
  masterId?: string;
  /** Slot ranges of a master, e.g. [[0, 5460]]. */
  slots: [number, number][];
  failed: boolean;
}

export interface TestCluster {
  readonly ports: number[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…` for REDIS_CLUSTER_NODES. */
  readonly nodesEnv: string;
  /** The cluster's view, as a node that is up sees it. */
  nodes(): Promise<ClusterNodeInfo[]>;
  /** The port of the master serving `slot` now. */
  masterOfSlot(slot: number): Promise<number>;
  /** The slot of a key, computed by the cluster. */
  keySlot(key: string): Promise<number>;
  kill(port: number): Promise<void>;
  /** Freeze (SIGSTOP) or thaw (SIGCONT) a node. */
  freeze(port: number, frozen: boolean): void;
  /** Start a killed node again (it keeps its identity; an old master comes back as a replica). */
  restart(port: number): Promise<void>;
  /** Every node's cluster_state is ok (for the nodes that run). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const parts = line.trim().split(' ');
      const [id, address, flags, master] = parts as [string, string, string, string];
      const port = Number(address.split('@')[0]?.split(':')[1]);
      const slots: [number, number][] = parts
        .slice(8)
        .filter((p) => /^\d/.test(p))
        .map((range) => {
          const [a, b] = range.split('-').map(Number) as [number, number | undefined];
          return [a, b ?? a];
        });
      const role = flags.includes('master') ? 'master' : 'replica';
      return {
        port,
        id,
        role,
        ...(role === 'replica' && master !== '-' ? { masterId: master } : {}),
        slots,
        // `fail` (agreed by the majority), not `fail?` (one node's suspicion).
        failed: flags.split(',').includes('fail'),
      };
    });
}

/** A Redis Cluster of `masters` masters with `replicas` replicas each. */
export async function startTestCluster(opts: { masters?: number; replicas?: number } = {}): Promise<TestCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 1;
  const ports = await freePorts(masters * (1 + replicas));
  const dir = mkdtempSync(join(tmpdir(), 'vp-cluster-'));
  const servers = new Map<number, ServerProcess>();
  for (const port of ports) {
    servers.set(
      port,
      new ServerProcess(port, [
        '--port',
        String(port),
        ...COMMON_ARGS,
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '1000',
        // Let a replica be promoted whatever its last contact with the master.
        '--cluster-replica-validity-factor',
        '0',
      ]),
    );
  }
  const stop = async (): Promise<void> => {
    for (const server of servers.values()) await server.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([...servers.values()].map((s) => s.start()));
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
    const upPort = (): number => {
      const up = ports.find((p) => servers.get(p)?.running);
      if (up === undefined) throw new Error('no cluster node is running');
      return up;
    };
    const nodes = async (): Promise<ClusterNodeInfo[]> => parseClusterNodes((await rawCommand(upPort(), 'CLUSTER NODES')) ?? '');
    const cluster: TestCluster = {
      ports,
      nodesEnv: ports.map((p) => `127.0.0.1:${p}`).join(','),
      nodes,
      async masterOfSlot(slot) {
        const found = (await nodes()).find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
        if (!found) throw new Error(`no master serves slot ${slot}`);
        return found.port;
      },
      async keySlot(key) {
        return Number(((await rawCommand(upPort(), `CLUSTER KEYSLOT ${key}`)) ?? '').replace(/^:/, ''));
      },
      kill: (port) => (servers.get(port) as ServerProcess).kill(),
      freeze: (port, frozen) => (servers.get(port) as ServerProcess).freeze(frozen),
      restart: (port) => (servers.get(port) as ServerProcess).start(),
      async waitHealthy(timeoutMs = 20_000) {
        await until('cluster_state:ok on every running node, every replica in sync', timeoutMs, async () => {
          for (const [port, server] of servers) {
            if (!server.running) continue;
            if (!((await rawCommand(port, 'CLUSTER INFO')) ?? '').includes('cluster_state:ok')) return false;
            const replication = (await rawCommand(port, 'INFO replication')) ?? '';
            if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
          }
          return true;
        });
      },
      stop,
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface TestSentinels {
  readonly masterName: string;
  /** `127.0.0.1:s1,…` for REDIS_SENTINELS. */
  readonly sentinelsEnv: string;
  readonly dataPorts: number[];
  /** The port Sentinel currently names as the master. */
  currentMaster(): Promise<number>;
  kill(port: number): Promise<void>;
  freeze(port: number, frozen: boolean): void;
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** One master on the first data port, `replicas` replicas, and three Sentinels (quorum 2). */
export async function startTestSentinels(opts: { replicas?: number } = {}): Promise<TestSentinels> {
  const replicas = opts.replicas ?? 1;
  const masterName = 'vp-test';
  const ports = await freePorts(1 + replicas + 3);
  const dataPorts = ports.slice(0, 1 + replicas);
  const sentinelPorts = ports.slice(1 + replicas);
  const masterPort = dataPorts[0] as number;
  const dir = mkdtempSync(join(tmpdir(), 'vp-sentinel-'));
  const servers = new Map<number, ServerProcess>();
  for (const [i, port] of dataPorts.entries()) {
    const replicaOf = i === 0 ? [] : ['--replicaof', '127.0.0.1', String(masterPort)];
    // A restarted node announces itself as a replica of the master it last knew; Sentinel
    // then points it at the promoted one.
    servers.set(port, new ServerProcess(port, ['--port', String(port), ...COMMON_ARGS, '--dir', dir, ...replicaOf]));
  }
  for (const port of sentinelPorts) {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    servers.set(port, new ServerProcess(port, [conf, '--sentinel']));
  }
  const stop = async (): Promise<void> => {
    for (const server of servers.values()) await server.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of dataPorts) await (servers.get(port) as ServerProcess).start();
    await Promise.all(sentinelPorts.map((p) => (servers.get(p) as ServerProcess).start()));
    // Every replica in sync, and every Sentinel knowing them all.
    await until('replicas in sync', 10_000, async () => {
      for (const port of dataPorts.slice(1)) {
        if (!((await rawCommand(port, 'INFO replication')) ?? '').includes('master_link_status:up')) return false;
      }
      return ((await rawCommand(masterPort, 'INFO replication')) ?? '').includes(`connected_slaves:${replicas}`);
    });
    await until('sentinels ready', 15_000, async () => {
      for (const port of sentinelPorts) {
        const info = (await rawCommand(port, 'INFO sentinel')) ?? '';
        if (!new RegExp(`name=${masterName},status=ok,address=127\\.0\\.0\\.1:${masterPort},slaves=${replicas},sentinels=3`).test(info)) return false;
      }
      return true;
    });
    const currentMaster = async (): Promise<number> => {
      for (const port of sentinelPorts) {
        const info = (await rawCommand(port, 'INFO sentinel')) ?? '';
        const m = new RegExp(`name=${masterName},status=[a-z_]+,address=127\\.0\\.0\\.1:(\\d+)`).exec(info);
        if (m) return Number(m[1]);
      }
      throw new Error('no sentinel names a master');
    };
    return {
      masterName,
      sentinelsEnv: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      dataPorts,
      currentMaster,
      kill: (port) => (servers.get(port) as ServerProcess).kill(),
      freeze: (port, frozen) => (servers.get(port) as ServerProcess).freeze(frozen),
      restart: (port) => (servers.get(port) as ServerProcess).start(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
