/**
 * The chaos summary: each chaos test file counts what it did and prints one line at its end;
 * the lines also go to a file that `npm run chaos` (scripts/chaos.ts) adds up.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChaosCounts {
  /** (flow, step) points, or calls, where something was injected. */
  points: number;
  /** Faults injected (hang-ups included). */
  faults: number;
  /** Calls that ended as the rules allow (completed, or "temporarily unavailable"). */
  clean: number;
  /** Calls that did not (silence past the bound, a crash, a wrong prompt). */
  bad: number;
  /** Engine objects, timers or listeners left behind for an ended call. */
  leaks: number;
  /** State checks that failed (inconsistent records). */
  inconsistent: number;
}

export class ChaosTally implements ChaosCounts {
  points = 0;
  faults = 0;
  clean = 0;
  bad = 0;
  leaks = 0;
  inconsistent = 0;
  /** Everything that went wrong, for the test's failure message. */
  readonly problems: string[] = [];

  constructor(readonly suite: string) {}

  problem(where: string, what: string[]): void {
    for (const p of what) this.problems.push(`${where}: ${p}`);
  }

  /**
   * Print the line and append it to the run's summary file. `notes` (Redis's latency record,
   * say) are printed under it when something went wrong, to tell a slow machine from a bug.
   */
  print(notes = ''): void {
    const counts: ChaosCounts & { suite: string } = {
      suite: this.suite,
      points: this.points,
      faults: this.faults,
      clean: this.clean,
      bad: this.bad,
      leaks: this.leaks,
      inconsistent: this.inconsistent,
    };
    const line =
      `chaos ${this.suite}: ${this.points} points, ${this.faults} faults injected, calls ${this.clean} clean / ${this.bad} bad, ` +
      `${this.leaks} leaks, ${this.inconsistent} inconsistent`;
    process.stdout.write(`${line}\n`);
    if (this.bad + this.leaks + this.inconsistent > 0 && notes !== '') process.stdout.write(`${notes}\n`);
    const dir = process.env.VOICE_PORTAL_CHAOS_SUMMARY_DIR;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      appendFileSync(join(dir, 'summary.jsonl'), `${JSON.stringify(counts)}\n`);
    }
  }
}

export const defaultSummaryDir = (): string => join(tmpdir(), `voice-portal-chaos-${process.pid}`);
