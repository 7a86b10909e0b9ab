/**
 * `token create | list | revoke` (issue #15) and the user's e-mail (`user add/set --email`,
 * `--email none` clears, `user show` prints it), run as child processes against a private
 * Redis. The token is printed once; Redis holds only its SHA-256.
 */
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { silentLogger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { expectOneErrorLine, json, makeRunner, OPERATOR, PEPPER, prepareCli, type PreparedCli } from './support';

let cli: PreparedCli;
let redis: TestRedis;
let store: Store;
let raw: Redis;
const admin = makeRunner(() => cli, () => redis.url);

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis();
  store = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger() });
  raw = new Redis(redis.url);
  await store.addLocation({ id: 'paris', name: 'Paris', portalExtension: '8000', language: 'en', timeZone: 'Europe/Paris' }, 'test');
}, 60_000);
afterAll(async () => {
  raw?.disconnect();
  await store?.close();
  await redis?.stop();
  cli?.cleanup();
});

test('token create prints the token once; only its hash is stored; list never shows it; revoke ends it', async () => {
  const created = json<{ token: string; name: string; scope: string; createdAt: string }>(admin(['--json', 'token', 'create', 'intranet', '--scope', 'self-service']));
  expect(created).toEqual({ token: expect.stringMatching(/^vpt_[A-Za-z0-9_-]{43}$/), name: 'intranet', scope: 'self-service', createdAt: expect.any(String) });
  const plain = admin(['token', 'create', 'helpdesk', '--scope', 'admin']);
  expect(plain.code).toBe(0);
  const helpdeskToken = /: (vpt_\S+)/.exec(plain.stdout)?.[1] as string;
  expect(plain.stdout).toMatch(/shown only this once/);

  const stored = JSON.stringify(await raw.hgetall('vp:api-tokens'));
  expect(stored).not.toContain(created.token);
  expect(stored).toContain(createHash('sha256').update(created.token).digest('hex'));
  expect(await store.findApiToken(created.token)).toMatchObject({ name: 'intranet', scope: 'self-service' });
  expect(await store.findApiToken(helpdeskToken)).toMatchObject({ name: 'helpdesk', scope: 'admin' });

  const list = admin(['--json', 'token', 'list']);
  expect(json(list)).toEqual({
    tokens: [
      { name: 'helpdesk', scope: 'admin', createdAt: expect.any(String) },
      { name: 'intranet', scope: 'self-service', createdAt: expect.any(String) },
    ],
  });
  expect(admin(['token', 'list']).stdout).not.toContain('vpt_');

  expectOneErrorLine(admin(['token', 'create', 'intranet', '--scope', 'admin']), 1, /already exists/);
  expect(admin(['token', 'create', 'other', '--scope', 'root']).code).not.toBe(0);
  expect(admin(['token', 'create', 'other']).code).not.toBe(0);

  expect(admin(['token', 'revoke', 'intranet']).stdout).toMatch(/Token intranet revoked/);
  expect(await store.findApiToken(created.token)).toBeNull();
  expectOneErrorLine(admin(['token', 'revoke', 'intranet']), 1, /no token named intranet/);
  const audit = await store.readAudit({});
  expect(audit.filter((e) => e.type.startsWith('token-')).map((e) => [e.type, e.actor, e.detail])).toEqual([
    ['token-created', OPERATOR, 'intranet (self-service)'],
    ['token-created', OPERATOR, 'helpdesk (admin)'],
    ['token-revoked', OPERATOR, 'intranet'],
  ]);
  expect(JSON.stringify(audit)).not.toContain('vpt_');
});

test('user e-mail: add --email (lower-cased), set --email, --email none clears, show prints it, bad addresses refused', async () => {
  const added = json<{ user: { email: string | null } }>(admin(['--json', 'user', 'add', 'ann', '--location', 'paris', '--extension', '1001', '--email', 'Ann.Martin@Example.COM']));
  expect(added.user.email).toBe('ann.martin@example.com');
  expect(await raw.hget('vp:{u:ann}:user', 'email')).toBe('ann.martin@example.com');
  expect((await store.findUserByEmail('ANN.martin@example.com'))?.id).toBe('ann');
  expect(admin(['user', 'show', 'ann']).stdout).toMatch(/e-mail:\s+ann\.martin@example\.com/);

  expect(json<{ user: { email: string } }>(admin(['--json', 'user', 'set', 'ann', '--email', 'ann@example.org'])).user.email).toBe('ann@example.org');
  expect(await store.findUserByEmail('ann.martin@example.com')).toBeNull();
  expect(json<{ user: { email: string | null } }>(admin(['--json', 'user', 'set', 'ann', '--email', 'none'])).user.email).toBeNull();
  expect(await raw.hexists('vp:{u:ann}:user', 'email')).toBe(0);
  expectOneErrorLine(admin(['user', 'set', 'ann', '--email', 'not an address']), 1, /e-mail must be an address/);

  // Two users with one address: nobody is signed in by it.
  admin(['user', 'add', 'bea', '--location', 'paris', '--extension', '1002', '--email', 'desk@example.com']);
  admin(['user', 'add', 'cid', '--location', 'paris', '--extension', '1003', '--email', 'desk@example.com']);
  expect(await store.findUserByEmail('desk@example.com')).toBeNull();
});
