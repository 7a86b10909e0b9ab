/**
 * The env file: where an installed portal keeps its settings (`/etc/voice-portal/voice-portal.env`
 * under systemd, `.env` in a checkout), read by the application and the admin CLI alike.
 *
 * Precedence, highest first:
 *   1. variables already in the process environment (systemd `Environment=`, the shell, compose);
 *   2. the file named by `--env <file>` (it must exist);
 *   3. otherwise `.env` in the working directory, when there is one.
 * Only one file is read. (The option is not called --env-file: Node 20 takes any --env-file in
 * its command line as its own, even after the script, and exits on a missing file.) Lines are `NAME=value` (`export NAME=value`, quotes and `#` comments
 * allowed), as Node's own parser reads them.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

type Env = Record<string, string | undefined>;

/** An env file is a few kilobytes; past this it is not one (e.g. a device or a log file). */
const MAX_ENV_FILE_BYTES = 256 * 1024;

export class EnvFileError extends Error {
  override name = 'EnvFileError';
}

function readCapped(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new EnvFileError(`cannot read the env file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const buffer = Buffer.alloc(MAX_ENV_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_ENV_FILE_BYTES) throw new EnvFileError(`the env file ${path} is larger than ${MAX_ENV_FILE_BYTES / 1024} KiB: not an env file`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Which file to read, if any: `--env` when given, else `.env` in `cwd` if present. */
export function envFilePath(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit !== undefined) return resolve(cwd, explicit);
  const local = resolve(cwd, '.env');
  return existsSync(local) ? local : undefined;
}

/** `env` completed by the env file's variables (the environment wins). */
export function withEnvFile(env: Env, path: string | undefined): Env {
  if (path === undefined) return env;
  const fromFile = parseEnv(readCapped(path));
  const merged: Env = { ...fromFile };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

/**
 * `--env <file>` or `--env=<path>` in `args` (the option's value, and `args` without it).
 * A bare `--env` at the end has no value: an error.
 */
export function takeEnvFileOption(args: string[]): { path: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === '--env') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('-')) throw new EnvFileError('--env needs a path');
      path = value;
      i++;
    } else if (arg.startsWith('--env=')) {
      path = arg.slice('--env='.length);
      if (path === '') throw new EnvFileError('--env needs a path');
    } else rest.push(arg);
  }
  return { path, rest };
}
