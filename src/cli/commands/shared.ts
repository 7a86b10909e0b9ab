/** Helpers shared by the command modules. */
import type { Command } from 'commander';

/** `--help` of every command ends with at least one example. */
export function withExample(command: Command, ...examples: string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** A command group (`user`, `location`…); run without a sub-command it is a usage error (see runCli). */
export function group(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description);
}
