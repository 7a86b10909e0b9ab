/**
 * Running the admin CLI as a child process, as an operator would.
 *
 * How it is run: `transpileSources()` transpiles `src/**\/*.ts` once per test run (jest's
 * global setup, test/support/global-build.ts; once per test file when a file runs without it)
 * with the project's compiler options (typescript's transpileModule: what `tsc` emits file by file,
 * since tsconfig sets isolatedModules; the same as ts-node's transpile-only mode) into a
 * temporary directory laid out like the build (`<dir>/src/cli/main.js` plus the Lua files
 * beside the store, and package.json), and every run is `node <dir>/src/cli/main.js …`.
 * About 0.2 s per run, where `node -r ts-node/register/transpile-only src/cli/main.ts`
 * takes about 1.4 s (it loads the compiler in every process) and a `tsc` build per test
 * run would type-check the whole project (and write to the shared dist/).
 * Dependencies resolve from the repository's node_modules through NODE_PATH.
 *
 * The environment is built from scratch so that the developer's REDIS_URL or SUDO_USER
 * never leak in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

export const REPO = join(__dirname, '..', '..');

export interface PreparedCli {
  /** The entry point, as `bin` names it in a build: <dir>/src/cli/main.js */
  main: string;
  /**
   * The working directory of every run: the build's own directory, which has no `.env`, so a
   * developer's `.env` in the checkout never reaches the tests (the CLI reads ./.env).
   */
  cwd: string;
  cleanup(): void;
}

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(REPO, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('cannot read tsconfig.json');
  return { ...parsed.options, sourceMap: false, declaration: false, noEmit: false };
}

/**
 * Writes the transpiled sources into `dir`, laid out like the build. Synchronous, about 2 s
 * on an idle machine and many times that on a busy one: hence once per run, not per file.
 */
export function transpileSources(dir: string): void {
  const options = compilerOptions();
  const walk = (from: string): void => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const path = join(from, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const { outputText } = ts.transpileModule(readFileSync(path, 'utf8'), { compilerOptions: options, fileName: path });
        const dest = join(dir, relative(REPO, path)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(dest), { recursive: true });
        writeFileSync(dest, outputText);
      }
    }
  };
  walk(join(REPO, 'src'));
  cpSync(join(REPO, 'src', 'store', 'lua'), join(dir, 'src', 'store', 'lua'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
}

/** Where the global setup left the run's build (read-only for every test file). */
export const SHARED_BUILD_ENV = 'VOICE_PORTAL_TEST_BUILD';

export function prepareCli(): PreparedCli {
  const shared = process.env[SHARED_BUILD_ENV];
  if (shared && existsSync(join(shared, 'src', 'cli', 'main.js'))) {
    // Shared by every file of the run: the global teardown removes it.
    return { main: join(shared, 'src', 'cli', 'main.js'), cwd: shared, cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'voice-portal-cli-'));
  transpileSources(dir);
  return { main: join(dir, 'src', 'cli', 'main.js'), cwd: dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 32 random bytes, hex: the shape the CLI insists on (drawn with openssl rand -hex 32). */
export const PEPPER = '0055d81de939efac22a68bc2e4e30520bfefa3fb899001c6872dd4fb270b9471';
/** Another strong pepper, for the "different pepper" cases (base64 this time). */
export const OTHER_PEPPER = 'q2X0hTqL8c1yZ7mK4vR9wE3uN6bP5sJdA0fGiHoWlQY=';
export const OPERATOR = 'op-alice';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed. Without it stdin is closed at once (empty). */
  input?: string;
  /** Added to / replacing the base environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Working directory (default: the prepared build's, which has no .env). */
  cwd?: string;
}

/** Every output of every run in this test file, to prove at the end nothing leaked. */
export const transcript: string[] = [];

export function baseEnv(redisUrl: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    USER: OPERATOR,
    REDIS_URL: redisUrl,
    PIN_PEPPER: PEPPER,
    NODE_PATH: join(REPO, 'node_modules'),
  };
}

function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export type Runner = (args: string[], options?: RunOptions) => RunResult;

export function makeRunner(cli: () => PreparedCli, redisUrl: () => string): Runner {
  return (args, options = {}) => {
    const started = Date.now();
    const result = spawnSync(process.execPath, [cli().main, ...args], {
      cwd: options.cwd ?? cli().cwd,
      env: cleanEnv({ ...baseEnv(redisUrl()), ...options.env }),
      input: options.input ?? '',
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 20_000,
    });
    const run: RunResult = { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
    transcript.push(run.stdout, run.stderr);
    return run;
  };
}

/** Start the CLI without waiting for it (audit --follow, terminal sessions). */
/**
 * How long starting the CLI takes on this machine right now (`--version`, the slower of two
 * runs): the part of a run's wall-clock time that belongs to the machine, not the command.
 * A test that bounds how long a command waits subtracts it, so that cores busy with other
 * work do not fail it, while a command that waits seconds too long still does.
 */
export function startupMs(cli: PreparedCli): number {
  const once = (): number => {
    const started = Date.now();
    spawnSync(process.execPath, [cli.main, '--version'], { cwd: cli.cwd, env: cleanEnv({ PATH: process.env.PATH, NODE_PATH: join(REPO, 'node_modules') }), timeout: 60_000 });
    return Date.now() - started;
  };
  return Math.max(once(), once());
}

export function spawnAdmin(cli: PreparedCli, redisUrl: string, args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [cli.main, ...args], { cwd: cli.cwd, env: cleanEnv({ ...baseEnv(redisUrl), ...env }) });
}

/** Parse the --json document of a successful run, failing with the run's stderr otherwise. */
export function json<T = Record<string, unknown>>(run: RunResult): T {
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** The error contract: exactly one stderr line, beginning `error:`, no stack trace. */
export function expectOneErrorLine(run: RunResult, code: number, pattern: RegExp): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: expect.stringMatching(pattern) });
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

/** Nothing any run printed contains a stored hash or one of these typed PINs. */
export function expectNoSecretsPrinted(typedPins: string[]): void {
  const all = transcript.join('\n');
  expect(all).not.toContain('scrypt$');
  for (const pin of typedPins) expect(all).not.toContain(pin);
}

/** Collect a child's output until `pattern` appears in it (or reject after `timeoutMs`). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${pattern}; output so far: ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        cleanup();
        resolve(seen);
      }
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
    };
    child.stdout?.on('data', onData);
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
