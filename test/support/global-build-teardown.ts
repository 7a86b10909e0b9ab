/** Jest global teardown: removes the run's shared build (test/support/global-build.ts). */
import { rmSync } from 'node:fs';
import { SHARED_BUILD_ENV } from '../cli/support';

export default function removeGlobalBuild(): void {
  const dir = process.env[SHARED_BUILD_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
