/**
 * The `voice-portal-admin` command tree (commander 14) and `runCli`, which runs one command
 * line and returns the exit code instead of exiting, so that main.ts stays a thin shell.
 *
 * Error contract: exactly one line on stderr beginning `error:`, and the exit codes of
 * errors.ts. Commander's own errors (unknown command or option, missing argument, bad value)
 * are usage errors (exit 2), where commander would exit 1; its help for a missing
 * sub-command is replaced by a one-line error naming the sub-commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-files';
import { Argument, type Command, CommanderError, Option } from 'commander';
import { paint } from './colour';
import { AdminCommand, addVerbAliases, helpRequestAsOption } from './command';
import { completionScript, SHELLS, type Shell } from './completion';
import { manPage } from './man';
import { registerAudit } from './commands/audit';
import { registerDefaultPin } from './commands/default-pin';
import { registerDoctor } from './commands/doctor';
import { registerImport } from './commands/import';
import { registerLocation } from './commands/location';
import { registerMessages } from './commands/messages';
import { registerPolicy } from './commands/policy';
import { withExample } from './commands/shared';
import { registerThrottle } from './commands/throttle';
import { registerToken } from './commands/token';
import { registerUser } from './commands/user';
import { EnvFileError, envFilePath, takeEnvFileOption, withEnvFile } from '../env-file';
import { describeFailure, EXIT, oneLine, type ExitCode } from './errors';
import { Session, type CliStreams, type GlobalOptions } from './session';
import { escapeForTerminal, escapeLines } from './escape';

export const PROGRAM_NAME = 'voice-portal-admin';

export interface RunHooks {
  /** Register what to do on Ctrl-C (SIGINT) while a long-running command (audit --follow) runs. */
  onInterrupt?: (stop: () => void) => void;
}

function packageVersion(): string {
  const root = packageRoot(__dirname);
  if (!root) return 'unknown';
  try {
    return String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

const ENVIRONMENT_HELP = `
Environment:
  REDIS_URL                    Redis of the voice portal (default redis://127.0.0.1:6379; --redis-url wins)
  REDIS_SENTINELS              optional Sentinel list host:port,host:port (with REDIS_SENTINEL_NAME)
  PIN_PEPPER, PIN_PEPPER_FILE  the application's PIN pepper (required; with a different one every
                               change is refused, reading is allowed)
  LOCKOUT_WEBHOOK_URL          optional: unlocks and resets are POSTed there, as the application does
  SUDO_USER, USER              the operator recorded as actor in the audit trail

Settings missing from the environment are read from the env file: --env <file>, else
./.env when there is one (the application reads the same file the same way).

PINs and passcodes are never given as arguments: they are asked twice on a terminal
(without echo), or read as one line on stdin.

Exit codes: 0 done, 1 refused (bad input, not found, policy), 2 usage error,
3 Redis unreachable.`;

/** The command tree; `session` supplies the store and the streams to every action. */
export function buildProgram(
  session: Session,
  streams: CliStreams,
  hooks: RunHooks = {},
  /** The environment (voice messages and doctor read REDIS_URL, ARI_*; default process.env). */
  env: Record<string, string | undefined> = process.env,
): Command {
  const program = new AdminCommand(PROGRAM_NAME);
  program
    .description('Administer the voice portal: default PIN, PIN policy, locations, users, PIN resets, unlocks, throttle, audit trail.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'print one JSON document (stable field names) instead of text')
    .addOption(new Option('-o, --output <format>', 'json (as --json), table (the default) or wide (tables with more columns)').choices(['json', 'table', 'wide']))
    .option('--no-headers', 'tables without their header row (for scripts)')
    .option('-y, --yes', 'do destructive --force operations without asking (scripts)')
    .option('--redis-url <url>', 'Redis URL (default: $REDIS_URL)')
    .option('--debug', 'print stack traces and store log lines on stderr')
    // Taken out of the arguments by runCli before commander parses them; listed for --help.
    .option('--env <file>', 'read settings from this env file (default: ./.env when present); the environment wins')
    // Inherited by every sub-command created after this point.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      // Only the help commander prints for a missing sub-command goes here: replaced by one
      // `error:` line in runCli.
      writeErr: () => undefined,
      // Commander's errors quote argv ("unknown option '…'"): escaped like everything else.
      outputError: (text) => streams.stderr.write(`${escapeForTerminal(oneLine(text))}\n`),
    })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true);
  withExample(
    program,
    `${PROGRAM_NAME} location add paris --portal-extension 8000 --language fr --timezone Europe/Paris`,
    `${PROGRAM_NAME} user add alice --location paris --extension 1001`,
    `${PROGRAM_NAME} user reset-pin alice`,
    `${PROGRAM_NAME} audit --user alice --since 2h`,
  );
  program.addHelpText('after', ENVIRONMENT_HELP);

  registerDefaultPin(program, session);
  registerPolicy(program, session);
  registerLocation(program, session);
  registerUser(program, session);
  registerMessages(program, session, env);
  registerThrottle(program, session);
  registerAudit(program, session, hooks.onInterrupt ?? (() => undefined));
  registerDoctor(program, session, env);
  registerToken(program, session);
  registerImport(program, session, env);
  registerHelpers(program, streams);
  addVerbAliases(program);
  return program;
}

/** `completion <shell>` and `man`: generated from the tree above, no Redis needed. */
function registerHelpers(program: Command, streams: CliStreams): void {
  withExample(
    program
      .command('completion')
      .description('print the shell completion script (source <(voice-portal-admin completion bash))')
      .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
      .action((shell: Shell) => {
        streams.stdout.write(completionScript(program, shell));
      }),
    `${PROGRAM_NAME} completion bash > /etc/bash_completion.d/${PROGRAM_NAME}`,
    `${PROGRAM_NAME} completion fish > ~/.config/fish/completions/${PROGRAM_NAME}.fish`,
  );
  withExample(
    program
      .command('man')
      .description('print the manual page (roff): voice-portal-admin man | man -l -')
      .action(() => {
        streams.stdout.write(manPage(program, { environment: ENVIRONMENT_HELP.replace(/^\s*Environment:\n/, ''), version: packageVersion() }));
      }),
    `${PROGRAM_NAME} man > /usr/local/share/man/man1/${PROGRAM_NAME}.1`,
  );
}

/** The command group the arguments name, for the "missing sub-command" message. */
function missingSubcommandMessage(program: Command, args: string[]): string {
  let command = program;
  for (const arg of args) {
    const next = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!next) break;
    command = next;
  }
  const path = command === program ? PROGRAM_NAME : `${PROGRAM_NAME} ${command.name()}`;
  const names = command.commands.map((c) => c.name()).join(', ');
  return `error: missing command: ${path} needs one of ${names} (see ${path} --help)`;
}

/**
 * Run one command line (`args` without node and script paths). Never throws and never exits
 * the process: returns the exit code.
 */
export async function runCli(
  givenArgs: string[],
  givenEnv: Record<string, string | undefined>,
  streams: CliStreams,
  hooks: RunHooks = {},
  cwd: string = process.cwd(),
): Promise<ExitCode> {
  let args: string[];
  let env: Record<string, string | undefined>;
  try {
    const { path, rest } = takeEnvFileOption(givenArgs);
    args = rest;
    env = withEnvFile(givenEnv, envFilePath(path, cwd));
  } catch (err) {
    if (!(err instanceof EnvFileError)) throw err;
    streams.stderr.write(`error: ${oneLine(err.message)}\n`);
    return EXIT.usage;
  }
  // The session reads the global options (--json, --redis-url, --debug) once commander has
  // parsed them, from the program built just below.
  const built: { program?: Command } = {};
  const session = new Session(env, streams, () => built.program?.opts<GlobalOptions>() ?? {});
  const program = buildProgram(session, streams, hooks, env);
  built.program = program;
  let code: ExitCode = EXIT.ok;
  try {
    await program.parseAsync(helpRequestAsOption(program, args), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      if (err.code === 'commander.help') streams.stderr.write(`${escapeForTerminal(missingSubcommandMessage(program, args))}\n`);
      // Commander has already printed its one-line error through outputError.
      code = EXIT.usage;
    } else {
      const failure = describeFailure(err);
      streams.stderr.write(`${paint('alert', 'error:', session.errorColour)} ${escapeForTerminal(failure.message)}\n`);
      if (session.debug && err instanceof Error && err.stack) streams.stderr.write(`${escapeLines(err.stack)}\n`);
      code = failure.exitCode;
    }
  } finally {
    await session.close(code !== EXIT.ok);
  }
  return code;
}
