/**
 * The application and the floor, each in a process of its own (so that CPU and memory are
 * theirs alone), compiled to JavaScript (./build.ts) and run as production runs the portal,
 * with the probe preloaded: `node --expose-gc -r probe.js <entry>.js`. The portal is the real
 * entry point, `src/main.ts`, configured through its environment like in production; the floor
 * is `bench/floor.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CompiledSubjects } from './build';
import type { ProbeRequest, ProbeSample } from './probe';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const STOP_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 20_000;
/** Lines of stderr kept to explain a child that died. */
const TAIL_LINES = 20;

/** The portal; the floor; the floor with one PIN verification on `#` (bench/floor.ts). */
export type Subject = 'portal' | 'floor' | 'floor+hash';

export interface ChildOptions {
  subject: Subject;
  /** The compiled entry points and probe. */
  code: Pick<CompiledSubjects, 'portalEntry' | 'floorEntry' | 'probe'>;
  /** Stasis application name the child registers. */
  app: string;
  ariUrl: string;
  ariUser: string;
  ariPassword: string;
  /** Portal only. */
  redisUrl?: string;
  /** The portal's pepper; floor+hash verifies with it too. */
  pepper?: string;
  /** floor+hash only: the stored hash it verifies the typed digits against. */
  pinHash?: string;
  /** UV_THREADPOOL_SIZE; unset = libuv's default (4). */
  threadPool?: number;
  /** Write a V8 CPU profile of the process into this directory when it exits (`--profile DIR`). */
  profileDir?: string;
  /** Start it with --perf-prof, so that Linux `perf` names its JavaScript frames (`--perf-map`). */
  perfMap?: boolean;
}

/** Processes started so far, to number their CPU profiles. */
let profilesStarted = 0;

export class MeasuredProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (s: ProbeSample) => void>();
  private errors = 0;
  /** Error lines by their message (the portal's log `message`, a fixed text that holds no caller input). */
  private readonly errorKinds = new Map<string, number>();
  private readonly tail: string[] = [];
  private exited: { code: number | null; signal: string | null } | undefined;
  readonly exit: Promise<void>;

  private constructor(
    readonly subject: Subject,
    readonly app: string,
    private readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
    child.on('message', (raw: unknown) => {
      const s = raw as ProbeSample;
      this.waiting.get(s.id)?.(s);
      this.waiting.delete(s.id);
    });
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    });
  }

  static start(opts: ChildOptions): MeasuredProcess {
    const entry = opts.subject === 'portal' ? opts.code.portalEntry : opts.code.floorEntry;
    // A clean environment: nothing from the shell (LOG_LEVEL, NODE_OPTIONS…) changes what is measured.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    if (opts.threadPool !== undefined) env.UV_THREADPOOL_SIZE = String(opts.threadPool);
    if (opts.subject === 'portal') {
      // As in production: JSON logs at info level (to a pipe the benchmark reads), a real pepper.
      Object.assign(env, {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        ARI_URL: opts.ariUrl,
        ARI_USERNAME: opts.ariUser,
        ARI_PASSWORD: opts.ariPassword,
        ARI_APP: opts.app,
        REDIS_URL: opts.redisUrl,
        PIN_PEPPER: opts.pepper,
      });
    } else {
      Object.assign(env, { FLOOR_ARI_URL: opts.ariUrl, FLOOR_ARI_USERNAME: opts.ariUser, FLOOR_ARI_PASSWORD: opts.ariPassword, FLOOR_ARI_APP: opts.app });
      if (opts.subject === 'floor+hash') Object.assign(env, { FLOOR_PIN_HASH: opts.pinHash, FLOOR_PIN_PEPPER: opts.pepper });
    }
    // Numbered in start order: a subject runs in several processes (each level, each phase).
    const profileName = `${String(++profilesStarted).padStart(2, '0')}-${opts.app}.cpuprofile`;
    const profile = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir, '--cpu-prof-name', profileName] : [];
    // jitdump (jit-<pid>.dump in the repository's root), not --perf-basic-prof's map: the map
    // keeps the first name of an address that V8 later gave to other code, so frames come out
    // under wrong names.
    const perf = opts.perfMap ? ['--perf-prof', '--interpreted-frames-native-stack'] : [];
    const child = spawn(process.execPath, [...profile, ...perf, '--expose-gc', '-r', opts.code.probe, entry], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new MeasuredProcess(opts.subject, opts.app, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Error lines written so far: the portal's `"level":"error"` log lines, the floor's `floor error:` lines. */
  get errorLines(): number {
    return this.errors;
  }

  /** Error lines so far by message, so a run's JSON says what failed, not only how often. */
  errorMessages(): Record<string, number> {
    return Object.fromEntries(this.errorKinds);
  }

  /** Why the process is gone, with the end of its stderr; undefined while it runs. */
  deathNote(): string | undefined {
    if (!this.exited) return undefined;
    return `${this.subject} process exited (code ${this.exited.code}, signal ${this.exited.signal}); last stderr lines:\n${this.tail.join('\n')}`;
  }

  sample(cmd: ProbeRequest['cmd'] = 'sample', gc = false): Promise<ProbeSample> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const note = this.deathNote();
      if (note) return reject(new Error(note));
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(this.deathNote() ?? `${this.subject} process did not answer the probe within ${PROBE_TIMEOUT_MS} ms`));
      }, PROBE_TIMEOUT_MS);
      this.waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.child.send({ id, cmd, gc } satisfies ProbeRequest);
    });
  }

  /** SIGTERM (the portal drains, with no call left that is at once), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exit;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    if (line === '') return;
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (!(this.subject === 'portal' ? line.includes('"level":"error"') : line.startsWith('floor error:'))) return;
    this.errors += 1;
    let kind = line.slice(0, 80);
    if (this.subject === 'portal') {
      try {
        // The message, and the first line of the error it names (a fixed text of the store or
        // the ARI layer, e.g. "Redis unavailable: Command timed out"): the cause, not the line.
        const entry = JSON.parse(line) as { message?: unknown; error?: unknown };
        const cause = typeof entry.error === 'string' ? entry.error.split('\n')[0]?.slice(0, 120) : undefined;
        kind = cause ? `${String(entry.message)}: ${cause}` : String(entry.message);
      } catch {
        // not JSON: keep the start of the line
      }
    }
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }
}
