/**
 * Confirmation before an operation that destroys more than its name says (`--force`): on a
 * terminal the operator types the id of what goes; in a script, `--yes` says it instead.
 * Without either, nothing is done (exit 2): a script that forgot --yes must not lose data
 * because nobody was there to answer.
 */
import { createInterface } from 'node:readline';
import { refused, usage } from './errors';
import type { Session } from './session';

export async function confirmDestructive(session: Session, what: string, typeToConfirm: string): Promise<void> {
  if (session.yes) return;
  const { stdin, stderr } = session.streams;
  if (stdin.isTTY !== true) throw usage(`${what}: confirm with --yes (there is no terminal to ask on); nothing was changed`);
  const rl = createInterface({ input: stdin, output: stderr, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${what}.\nType ${typeToConfirm} to confirm (anything else cancels): `, resolve);
      rl.once('close', () => resolve(''));
    });
    if (answer.trim() !== typeToConfirm) throw refused('not confirmed: nothing was changed');
  } finally {
    rl.close();
  }
}
