/**
 * The measured processes run compiled JavaScript, as production does (`npm start` =
 * `node dist/src/main.js`), never through ts-node: ts-node keeps the TypeScript compiler in
 * the process (about 19 MiB of heap that every major garbage collection marks again), which
 * is a cost of the benchmark's way of starting a process, not of the application.
 *
 * `compileSubjects` compiles the portal's entry, the floor and the probe with the project's
 * production settings (tsconfig.build.json, so the same tsc output as `npm run build`) into a
 * directory of this run under node_modules/.cache (inside the repository, so that `require`
 * finds node_modules; never the user's dist/). The Lua scripts and the web page are not
 * copied beside it: the code finds them in src/ from the package root when they are not
 * beside it (shippedFolder in src/package-files.ts). The
 * floor and the probe are compiled the same way, so that neither side of a comparison
 * carries a compiler the other does not.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CompiledSubjects {
  /** The portal's entry point (bench/compare/portal-entry.ts → src/main.ts), compiled. */
  portalEntry: string;
  floorEntry: string;
  probe: string;
  /** Removes the directory. */
  remove(): void;
}

export async function compileSubjects(repoRoot: string): Promise<CompiledSubjects> {
  const dir = path.join(repoRoot, 'node_modules', '.cache', 'voice-portal-bench', `compare-${process.pid}-${Date.now()}`);
  const outDir = path.join(dir, 'out');
  mkdirSync(dir, { recursive: true });
  const entries = ['bench/compare/portal-entry.ts', 'bench/floor.ts', 'bench/compare/probe.ts'];
  const config = {
    extends: path.join(repoRoot, 'tsconfig.build.json'),
    compilerOptions: { rootDir: repoRoot, outDir, sourceMap: true },
    // Their imports bring in the rest (src/main.ts and all it loads).
    files: entries.map((e) => path.join(repoRoot, e)),
    include: [],
  };
  const configPath = path.join(dir, 'tsconfig.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    await runTsc(repoRoot, configPath);
  } catch (err) {
    remove();
    throw err;
  }
  const js = (entry: string): string => path.join(outDir, entry.replace(/\.ts$/, '.js'));
  return { portalEntry: js(entries[0] as string), floorEntry: js(entries[1] as string), probe: js(entries[2] as string), remove };
}

function runTsc(repoRoot: string, configPath: string): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [repoRoot] });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', configPath], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`compiling the measured processes failed (tsc exit ${code}):\n${output.trim()}`));
    });
  });
}
