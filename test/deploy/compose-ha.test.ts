/**
 * docker-compose.ha.yml (issue #14): the high-availability additions to docker-compose.yml,
 * checked with a YAML parser (Docker is optional in CI): two application instances in
 * active/standby on distinct health ports, Redis with a replica, three Sentinels that the
 * application follows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  network_mode?: string;
  env_file?: string;
  ports?: unknown[];
  profiles?: string[];
  depends_on?: Record<string, unknown>;
}
const text = fs.readFileSync(path.join(ROOT, 'docker-compose.ha.yml'), 'utf8');
// Compose's own YAML: merge keys (<<) and !reset.
const ha = parse(text, { merge: true, customTags: [{ tag: '!reset', collection: 'seq', resolve: () => [] as unknown as never }] }) as { services: Record<string, Service> };
const service = (name: string): Service => {
  const s = ha.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

test('two application instances with ARI_LEASE=on, the same image and .env, distinct health ports', () => {
  const app = service('app');
  const standby = service('app-standby');
  for (const s of [app, standby]) {
    expect(s.environment).toMatchObject({ ARI_LEASE: 'on', REDIS_SENTINEL_NAME: 'mymaster' });
  }
  expect(standby).toMatchObject({ image: 'voice-portal:local', env_file: '.env', network_mode: 'host' });
  expect(app.environment?.HTTP_PORT).not.toBe(standby.environment?.HTTP_PORT);
});

test('Redis: a replica of the master and three Sentinels (quorum 2) on the ports the application is given', () => {
  expect(service('redis').ports).toEqual([]);
  const replica = service('redis-replica').command ?? [];
  expect(replica.slice(replica.indexOf('--replicaof'), replica.indexOf('--replicaof') + 3)).toEqual(['--replicaof', '127.0.0.1', '6379']);
  const ports = ['sentinel-1', 'sentinel-2', 'sentinel-3'].map((name) => {
    const s = service(name);
    expect(s.entrypoint?.join(' ')).toContain('sentinel monitor mymaster 127.0.0.1 6379 2');
    return `127.0.0.1:${s.environment?.SENTINEL_PORT}`;
  });
  expect(new Set(ports).size).toBe(3);
  expect(service('app').environment?.REDIS_SENTINELS).toBe(ports.join(','));
  expect(service('app-standby').environment?.REDIS_SENTINELS).toBe(ports.join(','));
});

test('its Redis services are in the profile "redis", like the base file\'s Redis; the application instances in none and depend on none of them', () => {
  for (const name of ['redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3']) expect({ name, profiles: service(name).profiles }).toEqual({ name, profiles: ['redis'] });
  expect(service('app').profiles).toBeUndefined();
  expect(service('app').depends_on).toBeUndefined();
  expect(service('app-standby').profiles).toBeUndefined();
  expect(Object.keys(service('app-standby').depends_on ?? {})).toEqual(['app']);
  // the documented command turns the profile on
  expect(text).toContain('docker compose -f docker-compose.yml -f docker-compose.ha.yml --profile redis up -d --build');
});
