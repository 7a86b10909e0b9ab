/**
 * The admin CLI reads its settings from an env file as the application does: `./.env`, or
 * `--env <file>`; variables already in the environment win.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRedis, type TestRedis } from '../support/redis';
import { expectOneErrorLine, json, makeRunner, PEPPER, prepareCli, type PreparedCli } from './support';

let cli: PreparedCli;
let redis: TestRedis;
let dir: string;
const admin = makeRunner(() => cli, () => redis.url);

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis();
  dir = mkdtempSync(join(tmpdir(), 'cli-env-file-'));
});

afterAll(async () => {
  await redis?.stop();
  cli?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const noRedisInEnv = { REDIS_URL: undefined, PIN_PEPPER: undefined };

test('./.env supplies what the environment lacks', () => {
  writeFileSync(join(dir, '.env'), `REDIS_URL=${redis.url}\nPIN_PEPPER=${PEPPER}\n`);
  expect(json(admin(['location', 'list', '--json'], { env: noRedisInEnv, cwd: dir }))).toEqual({ locations: [] });
  // Without the file, the same command has no pepper: a configuration (usage) error.
  expectOneErrorLine(admin(['location', 'list'], { env: noRedisInEnv }), 2, /PIN_PEPPER or PIN_PEPPER_FILE is required/);
});

test('--env names another file; the environment still wins over it', () => {
  const file = join(dir, 'portal.env');
  writeFileSync(file, `REDIS_URL=redis://127.0.0.1:1\nPIN_PEPPER=${PEPPER}\n`);
  // The file's REDIS_URL points at a closed loopback port: the environment's must be used.
  expect(json(admin(['--env', file, 'location', 'list', '--json'], { env: { PIN_PEPPER: undefined } }))).toEqual({ locations: [] });
  expectOneErrorLine(admin(['location', 'list', `--env=${file}`], { env: { REDIS_URL: undefined } }), 3, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1 /);
});

test('a missing --env is a usage error naming it', () => {
  expectOneErrorLine(admin(['--env', join(dir, 'nope.env'), 'location', 'list']), 2, /cannot read the env file .*nope\.env: ENOENT/);
  expectOneErrorLine(admin(['location', 'list', '--env']), 2, /--env needs a path/);
});
