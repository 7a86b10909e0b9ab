/**
 * ari-client's connect-time traps, against tiny HTTP servers: a refused API-docs load must
 * come out as one typed rejection (not also as an uncaughtException string), an unreachable
 * host as AriUnavailable, a server that never answers as a bounded wait.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { connectAriClient } from '../../src/ari/ari-client';
import { AriUnavailable } from '../../src/ari/errors';
import { AsteriskDouble } from '../double';
import { StallMeter } from '../support/stalls';

function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

test('wrong credentials: one typed rejection; the string swagger-client also throws is contained', () => {
  // A child process: under jest, jest's own uncaughtException handler would see the string.
  const script = path.join(__dirname, 'support', 'connect-refused-docs.ts');
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', script], { encoding: 'utf8', timeout: 20_000 });
  expect(run.status).toBe(0);
  expect(JSON.parse(run.stdout.trim())).toEqual({ outcome: 'rejected', name: 'AriConnectError', authentication: true, uncaughtListeners: 0 });
  expect(run.stderr).not.toMatch(/401 : /);
});

test('nothing listening: AriUnavailable', async () => {
  const srv = await serve(() => undefined);
  const url = srv.url;
  await srv.close();
  await expect(connectAriClient(url, 'u', 'p', 2000)).rejects.toBeInstanceOf(AriUnavailable);
});

test('a server that never answers: AriUnavailable after the timeout', async () => {
  const srv = await serve(() => undefined); // accepts, never replies
  try {
    const started = Date.now();
    const stalls = new StallMeter();
    await expect(connectAriClient(srv.url, 'u', 'p', 150)).rejects.toBeInstanceOf(AriUnavailable);
    stalls.stop();
    expect(Date.now() - started).toBeLessThan(1000 + stalls.lostMs());
  } finally {
    await srv.close();
  }
});

test('swagger-client\'s "deprecated version of Swagger" line stays off stdout; other logs pass', async () => {
  const double = await AsteriskDouble.start({ username: 'u', password: 'p', timeScale: 0.05 });
  const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const connecting = connectAriClient(double.url, 'u', 'p', 5000);
    console.log('unrelated line');
    await connecting;
    const printed = spy.mock.calls.map((args) => JSON.stringify(args));
    expect(printed).toEqual(['["unrelated line"]']);
  } finally {
    spy.mockRestore();
    await double.close();
  }
});
