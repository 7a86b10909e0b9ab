/**
 * The CLI's Command class: commander's, with two things operators asked for.
 *
 * - An unknown sub-command that is the start of a real one (`user reset`) suggests that one
 *   (`reset-pin`) rather than the nearest by spelling (`set`, a different operation).
 * - The usual short verbs as aliases, given in one place for every command tree
 *   (`ls` for list, `rm` for remove, `get` for show), so no command module has to remember them.
 */
import { Command } from 'commander';

export const VERB_ALIASES: Readonly<Record<string, string>> = Object.freeze({ list: 'ls', remove: 'rm', show: 'get' });

export class AdminCommand extends Command {
  override createCommand(name?: string): AdminCommand {
    return new AdminCommand(name);
  }

  /** Called by commander (a method it leaves undeclared in its types) for an unknown sub-command. */
  unknownCommand(): void {
    const typed = this.args[0] ?? '';
    const names = this.commands.map((c) => c.name());
    const suggested = suggestCommands(typed, names);
    const hint = suggested.length === 0 ? '' : `\n(Did you mean ${suggested.length === 1 ? suggested[0] : `one of ${suggested.join(', ')}`}?)`;
    this.error(`error: unknown command '${typed}'${hint}`, { code: 'commander.unknownCommand' });
  }
}

/**
 * The commands an unknown word most likely meant: those it begins (`reset` → `reset-pin`),
 * else the closest by spelling (at most 2 edits, and most of the word kept). Aliases are not
 * candidates, so `lst` suggests `list`, not also `ls`.
 */
export function suggestCommands(typed: string, names: string[]): string[] {
  if (typed === '') return [];
  const starts = names.filter((name) => name.startsWith(typed) && name !== typed);
  if (starts.length > 0) return starts;
  const scored = names.map((name) => ({ name, distance: editDistance(typed, name) }));
  const best = Math.min(...scored.map((s) => s.distance));
  if (best > 2) return [];
  return scored.filter((s) => s.distance === best && (s.name.length - best) / s.name.length > 0.4).map((s) => s.name);
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Add VERB_ALIASES to every command of the tree whose name is one of the verbs. */
export function addVerbAliases(root: Command): void {
  for (const command of root.commands) {
    const alias = VERB_ALIASES[command.name()];
    if (alias !== undefined && !root.commands.some((c) => c !== command && (c.name() === alias || c.aliases().includes(alias)))) command.alias(alias);
    addVerbAliases(command);
  }
}

/**
 * `help user reset-pin` and `user help reset-pin` as `user reset-pin --help`: commander's own
 * help command knows only one level and ends nested groups in a usage error.
 */
export function helpRequestAsOption(root: Command, args: string[]): string[] {
  const helpAt = args.indexOf('help');
  if (helpAt === -1) return args;
  // Only when every word before and after `help` names a command (not an argument called help).
  const words = [...args.slice(0, helpAt), ...args.slice(helpAt + 1)];
  let command = root;
  for (const word of words) {
    const next = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) return args;
    command = next;
  }
  return [...words, '--help'];
}
