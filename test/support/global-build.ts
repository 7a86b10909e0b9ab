/**
 * Jest global setup: transpiles the sources once for every test file that runs the CLI or
 * the application as a child process (test/cli/support.ts, prepareCli). Done per file, it
 * cost about 2 s of CPU fourteen times over, synchronously inside `beforeAll`, where a busy
 * machine pushed it past the hook's time limit.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_BUILD_ENV, transpileSources } from '../cli/support';

export default function globalBuild(): void {
  const dir = mkdtempSync(join(tmpdir(), 'voice-portal-test-build-'));
  transpileSources(dir);
  // Test workers start after this and inherit the environment.
  process.env[SHARED_BUILD_ENV] = dir;
}
