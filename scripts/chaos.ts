/**
 * `npm run chaos [-- --long]`: the chaos suite (test/chaos) on its own, then the totals of
 * its summary lines (points exercised, faults injected, calls ending cleanly / badly, leaks,
 * inconsistent records). `--long` sets CHAOS_LONG=1: every point of every flow (twice), every
 * Redis fault kind at every point, more Asterisk-restart points, three load rounds.
 * Exit code: jest's (non-zero when a chaos test failed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const long = args.includes('--long');
const passThrough = args.filter((a) => a !== '--long');
const summaryDir = mkdtempSync(join(tmpdir(), 'voice-portal-chaos-'));
const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), 'test/chaos', ...passThrough], {
  stdio: 'inherit',
  env: { ...process.env, CHAOS_LONG: long ? '1' : '0', VOICE_PORTAL_CHAOS_SUMMARY_DIR: summaryDir },
});

const file = join(summaryDir, 'summary.jsonl');
const totals = { points: 0, faults: 0, clean: 0, bad: 0, leaks: 0, inconsistent: 0 };
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const counts = JSON.parse(line) as typeof totals;
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += counts[key] ?? 0;
  }
}
rmSync(summaryDir, { recursive: true, force: true });
process.stdout.write(
  `\nchaos summary (${long ? 'long' : 'CI'} run): ${totals.points} points exercised, ${totals.faults} faults injected, ` +
    `calls ${totals.clean} ended cleanly / ${totals.bad} badly, ${totals.leaks} leaks found, ${totals.inconsistent} inconsistent records\n`,
);
process.exit(jest.status ?? 1);
