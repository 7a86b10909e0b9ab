/** The env file (src/env-file.ts): which file is read, and that the environment wins over it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { EnvFileError, envFilePath, takeEnvFileOption, withEnvFile } from '../src/env-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'env-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('.env in the working directory is read when no --env is given', () => {
  expect(envFilePath(undefined, dir)).toBeUndefined();
  writeFileSync(join(dir, '.env'), 'ARI_PASSWORD=from-dot-env\n');
  expect(envFilePath(undefined, dir)).toBe(join(dir, '.env'));
  expect(envFilePath('other.env', dir)).toBe(join(dir, 'other.env'));
});

test('the process environment wins over the file; comments, quotes and export are understood', () => {
  const file = join(dir, 'portal.env');
  writeFileSync(file, '# settings\nexport ARI_PASSWORD="from file"\nREDIS_URL=redis://127.0.0.1:7000\nLOG_LEVEL=debug # trailing comment\n');
  const env = withEnvFile({ REDIS_URL: 'redis://127.0.0.1:7001', PATH: '/bin' }, file);
  expect(env).toMatchObject({ ARI_PASSWORD: 'from file', REDIS_URL: 'redis://127.0.0.1:7001', LOG_LEVEL: 'debug', PATH: '/bin' });
  expect(loadConfig(env)).toMatchObject({ ari: { password: 'from file' }, redis: { url: 'redis://127.0.0.1:7001' }, logLevel: 'debug' });
});

test('an unreadable or oversized file is an error naming it', () => {
  expect(() => withEnvFile({}, join(dir, 'missing.env'))).toThrow(new EnvFileError(`cannot read the env file ${join(dir, 'missing.env')}: ENOENT`));
  expect(() => withEnvFile({}, '/dev/zero')).toThrow(/larger than 256 KiB: not an env file/);
});

test('--env is taken out of the arguments, in both spellings', () => {
  expect(takeEnvFileOption(['--env', 'a.env', 'user', 'list'])).toEqual({ path: 'a.env', rest: ['user', 'list'] });
  expect(takeEnvFileOption(['user', 'list', '--env=b.env'])).toEqual({ path: 'b.env', rest: ['user', 'list'] });
  expect(takeEnvFileOption(['user', 'list'])).toEqual({ path: undefined, rest: ['user', 'list'] });
  expect(() => takeEnvFileOption(['--env'])).toThrow(/needs a path/);
  expect(() => takeEnvFileOption(['--env', '--json'])).toThrow(/needs a path/);
});
