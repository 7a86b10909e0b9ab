/**
 * `npm run demo`: the voice portal against a simulated PBX, on a terminal.
 *
 *   npm run demo                                   the terminal phone (interactive)
 *   npm run demo -- --script demo/scenario-1.txt   scripted calls, transcript on stdout
 *   npm run demo -- --script <file> --speed 20     the same, 20 times faster
 *   options: --no-audio (never use sox's `play`), --redis-url <url>, --keep-log, --help
 *
 * Starts a private redis-server on a free port (another Redis only when given explicitly
 * with --redis-url; an exported REDIS_URL is ignored), the ARI test
 * double as the PBX (test/double: real-speed prompts from sounds/), and the unchanged
 * application over ARI. The caller's part is played through the double's control API only.
 * Logs go to a file (named at the start, removed at the end unless --keep-log) so that the
 * transcript stays readable.
 * Exit codes: 0 done (every scripted call went as written), 1 a scripted step failed or the
 * demo could not start, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { Speaker } from './audio';
import { LampWatcher } from './dial';
import { wrapLine } from './media-text';
import { runPhone } from './phone';
import { runScriptedCall } from './run-script';
import { parseScript, ScriptError, type CallScript } from './script';
import { LOCATION, startDemo, USERS } from './setup';

interface Args {
  script?: string;
  speed: number;
  audio: boolean;
  redisUrl?: string;
  keepLog: boolean;
}

// npm takes options before `--` for itself: every demo option goes after it.
const USAGE = 'usage: npm run demo -- [--script <file> [--speed <1-50>]] [--no-audio] [--redis-url <url>] [--keep-log]';

function parseArgs(argv: string[]): Args | string {
  const args: Args = { speed: 1, audio: true, keepLog: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--script') args.script = argv[++i];
    else if (a === '--speed') args.speed = Number(argv[++i]);
    else if (a === '--no-audio') args.audio = false;
    else if (a === '--keep-log') args.keepLog = true;
    else if (a === '--redis-url') {
      const url = argv[++i];
      if (url === undefined || !/^rediss?:\/\//.test(url)) return `--redis-url needs a redis:// or rediss:// URL\n${USAGE}`;
      args.redisUrl = url;
    }
    else if (a === '--help' || a === '-h') return USAGE;
    else return `unknown argument "${a}"\n${USAGE}`;
  }
  if (args.script === undefined && argv.includes('--script')) return `--script needs a file\n${USAGE}`;
  if (!(args.speed >= 1 && args.speed <= 50)) return `--speed must be between 1 and 50\n${USAGE}`;
  if (args.script === undefined && args.speed !== 1) return `--speed is for --script runs; the phone runs at real speed\n${USAGE}`;
  return args;
}

const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return args === USAGE ? 0 : 2;
  }
  // `npm run demo --no-audio` (no `--`): npm keeps the option for itself and only leaves
  // npm_config_audio="" in the environment. Honour it, and say how to write it.
  const npmTookNoAudio = process.env.npm_config_audio === '' || process.env.npm_config_audio === 'false';
  if (npmTookNoAudio) args.audio = false;
  let scriptText: string | undefined;
  if (args.script !== undefined) {
    try {
      scriptText = readFileSync(args.script, 'utf8');
      // Syntax check before anything starts. `$default` needs the demo's own default PIN.
      parseScript(scriptText, args.redisUrl === undefined ? '000000' : undefined);
    } catch (err) {
      process.stderr.write(`demo: ${err instanceof ScriptError ? err.message : (err as Error).message}\n`);
      return 2;
    }
  } else if (!process.stdin.isTTY) {
    process.stderr.write(`demo: the terminal phone needs a terminal; for a non-interactive run use --script\n${USAGE}\n`);
    return 2;
  }

  const timeScale = 1 / args.speed;
  if (args.redisUrl === undefined && process.env.REDIS_URL) write('REDIS_URL is ignored: the demo uses a private Redis of its own (--redis-url <url> to use another).');
  write(`voice-portal demo: starting ${args.redisUrl === undefined ? 'a private Redis, ' : ''}the simulated PBX and the portal…`);
  const demo = await startDemo({ timeScale, portalTimingScale: timeScale, redisUrl: args.redisUrl, keepLog: args.keepLog });
  let ok = true;
  try {
    write(`Portal of location "${LOCATION.id}": dial ${LOCATION.portalExtension} (or ${LOCATION.portalNumber}).`);
    write(`Users: ${USERS.map((u) => `${u.displayName} (extension ${u.extension})`).join(', ')}.`);
    if (demo.defaultPin !== undefined) write(`They start on the organisation's default PIN: ${demo.defaultPin} (to be changed at the first call).`);
    else {
      write(`Redis ${args.redisUrl}: its default PIN is left as it is.`);
      for (const u of demo.oneTimePins) write(`Created ${u.userId} (extension ${u.extension}) with the one-time PIN ${u.pin} (to be changed at the first call).`);
      if (demo.existingUsers.length > 0) write(`Existing users keep their PINs: ${demo.existingUsers.join(', ')}.`);
    }
    write(`Logs: ${demo.logFile}${args.keepLog ? '' : ' (removed at the end; --keep-log keeps it)'}${args.speed !== 1 ? ` · speed ×${args.speed} (times shown in caller seconds)` : ''}`);
    const lamps = new LampWatcher(demo.double);
    if (scriptText !== undefined) {
      const calls: CallScript[] = parseScript(scriptText, demo.defaultPin);
      for (const [i, call] of calls.entries()) {
        if (!(await runScriptedCall(demo.double, call, i + 1, { timeScale, write, dialplan: demo, lamps }))) ok = false;
      }
      write('');
      write(ok ? `All ${calls.length} scripted calls went as written.` : 'Some scripted calls did not go as written (see SCRIPT FAILED above).');
    } else {
      if (npmTookNoAudio) write('No sound (npm took --no-audio as its own option; the demo\'s options go after `--`: npm run demo -- --no-audio).');
      const speaker = args.audio ? Speaker.detect() : undefined;
      write(speaker ? 'Prompts are also played aloud (sox).' : 'Prompts are printed (install sox for sound: apt-get install sox).');
      const columns = (): number | undefined => process.stdout.columns;
      await runPhone({
        double: demo.double,
        dialplan: demo,
        lamps,
        speaker,
        write: (line) => write(wrapLine(line, columns())),
        append: (text) => process.stdout.write(text),
      });
    }
  } finally {
    await demo.close();
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
    // ari-client can hold a reconnect timer for a while after the end: do not wait for it.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
