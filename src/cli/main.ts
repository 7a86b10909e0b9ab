#!/usr/bin/env node
/**
 * `voice-portal-admin`: the administrators' command-line tool (README, "Admin CLI").
 * Everything happens in runCli; this file only wires the process to it.
 */
import { runCli } from './program';
import { exitWhenFlushed, guardClosedPipes } from './process-exit';

async function main(): Promise<void> {
  guardClosedPipes(process.stdout, process.stderr);
  const interruptHandlers: (() => void)[] = [];
  const onSigint = (): void => {
    // A long-running command (audit --follow) stops cleanly; anything else ends at once.
    if (interruptHandlers.length === 0) process.exit(130);
    for (const stop of interruptHandlers.splice(0)) stop();
  };
  process.on('SIGINT', onSigint);
  const code = await runCli(process.argv.slice(2), process.env, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, {
    onInterrupt: (stop) => interruptHandlers.push(stop),
  });
  // Exit explicitly (stdin may be a pipe nobody closes and must not keep us alive), but only
  // once stdout and stderr have handed everything to the pipe or file behind them.
  exitWhenFlushed(code, process.stdout, process.stderr);
}

void main();
