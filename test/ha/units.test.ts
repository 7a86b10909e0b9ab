/**
 * Issue #14 pure pieces: the HA configuration (ARI_SERVERS, ARI_LEASE*, MWI_SERVERS), the
 * lamps fanned out over servers per location, and /readyz's active/standby body.
 */
import { ConfigError, loadConfig } from '../../src/config';
import { checkReadiness } from '../../src/http/health';
import { silentLogger } from '../../src/log';
import { Lamps, LampsOnServers } from '../../src/portal/lamps';

const BASE = { ARI_PASSWORD: 'ari-secret-0123456789' };

describe('configuration', () => {
  test('without ARI_SERVERS: one server named default at ARI_URL, no lease, lamps everywhere', () => {
    const config = loadConfig({ ...BASE, ARI_URL: 'http://127.0.0.1:8099' });
    expect(config.ariServers).toEqual([{ name: 'default', url: 'http://127.0.0.1:8099' }]);
    expect(config.lease).toEqual({ enabled: false, ttlMs: 3000 });
    expect(config.mwiServers).toEqual({});
  });

  test('ARI_SERVERS, ARI_LEASE, ARI_LEASE_TTL_MS, ARI_LEASE_PREFER, MWI_SERVERS', () => {
    const config = loadConfig({
      ...BASE,
      ARI_SERVERS: 'site1=http://127.0.0.1:8088, site2=https://127.0.0.2:8089',
      ARI_LEASE: 'on',
      ARI_LEASE_TTL_MS: '2000',
      ARI_LEASE_PREFER: 'site2',
      MWI_SERVERS: 'paris=site1+site2;lyon=site2',
    });
    expect(config.ariServers).toEqual([
      { name: 'site1', url: 'http://127.0.0.1:8088' },
      { name: 'site2', url: 'https://127.0.0.2:8089' },
    ]);
    expect(config.ari.url).toBe('http://127.0.0.1:8088');
    expect(config.lease).toEqual({ enabled: true, ttlMs: 2000, prefer: ['site2'] });
    expect(config.mwiServers).toEqual({ paris: ['site1', 'site2'], lyon: ['site2'] });
  });

  test.each([
    [{ ARI_SERVERS: 'http://127.0.0.1:8088' }, /ARI_SERVERS: bad entry/],
    [{ ARI_SERVERS: 'a=ftp://127.0.0.1' }, /ARI_SERVERS \(a\) must start with http:\/\/ or https:\/\//],
    [{ ARI_SERVERS: 'a=http://127.0.0.1:1,a=http://127.0.0.1:2' }, /each server name must appear once/],
    [{ ARI_LEASE: 'yes' }, /ARI_LEASE must be on or off/],
    [{ ARI_LEASE_TTL_MS: '100' }, /ARI_LEASE_TTL_MS must be a whole number from 500 to 60000/],
    [{ ARI_LEASE: 'on', ARI_APP: 'voice portal' }, /ARI_APP must be letters/],
    [{ ARI_LEASE_PREFER: 'nope' }, /ARI_LEASE_PREFER: "nope" is not a server/],
    [{ MWI_SERVERS: 'paris=site9' }, /MWI_SERVERS: "site9" is not a server/],
    [{ MWI_SERVERS: 'paris' }, /MWI_SERVERS: bad entry/],
  ])('%j is a configuration error', (env, message) => {
    expect(() => loadConfig({ ...BASE, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, ...env })).toThrow(message);
  });
});

test('lamps: on the servers of the user\'s location, or on every server for a location not listed', async () => {
  const updates: string[] = [];
  const lampsOn = (server: string): Lamps =>
    new Lamps(
      { update: async (mailbox, counts) => void updates.push(`${server} ${mailbox} ${counts.newMessages}/${counts.oldMessages}`) },
      async () => ({ newMessages: 2, oldMessages: 1 }),
      silentLogger(),
    );
  const lamps = new LampsOnServers(new Map([['a', lampsOn('a')], ['b', lampsOn('b')]]), { lyon: ['b'] });
  await lamps.refresh({ id: 'u1', extension: '1001', locationId: 'paris' });
  await lamps.refresh({ id: 'u2', extension: '2001', locationId: 'lyon' });
  expect(updates.sort()).toEqual(['a 1001@voice-portal 2/1', 'b 1001@voice-portal 2/1', 'b 2001@voice-portal 2/1']);
  updates.length = 0;
  await lamps.resyncServer('a', [{ id: 'u1', extension: '1001', locationId: 'paris' }, { id: 'u2', extension: '2001', locationId: 'lyon' }]);
  expect(updates).toEqual(['a 1001@voice-portal 2/1']);
});

describe('/readyz with leases', () => {
  const probe = (servers: { name: string; ari: 'connected' | 'standby' | 'reconnecting'; lease: 'active' | 'standby' }[]) => ({
    redisUp: async () => true,
    ariState: () => servers[0]!.ari,
    draining: () => false,
    servers: () => servers,
  });

  test('active, standby and partial instances are ready; an active server whose socket is down is not', async () => {
    expect(await checkReadiness(probe([{ name: 'a', ari: 'connected', lease: 'active' }]))).toMatchObject({ ready: true, role: 'active' });
    expect(await checkReadiness(probe([{ name: 'a', ari: 'standby', lease: 'standby' }]))).toMatchObject({ ready: true, role: 'standby' });
    expect(
      await checkReadiness(
        probe([
          { name: 'a', ari: 'connected', lease: 'active' },
          { name: 'b', ari: 'standby', lease: 'standby' },
        ]),
      ),
    ).toEqual({ ready: true, redis: 'up', ari: 'connected', draining: false, role: 'partial', servers: { a: { ari: 'connected', lease: 'active' }, b: { ari: 'standby', lease: 'standby' } } });
    expect(await checkReadiness(probe([{ name: 'a', ari: 'reconnecting', lease: 'active' }]))).toMatchObject({ ready: false, role: 'active' });
  });
});
