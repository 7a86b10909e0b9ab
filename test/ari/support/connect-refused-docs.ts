/**
 * Run as a plain Node process (not under jest, whose own uncaughtException handler would
 * see the string first): an ARI server that refuses the credentials. Prints one JSON line
 * with the outcome; without the guard in src/ari the process dies on swagger-client's
 * thrown string before printing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAriClient } from '../../../src/ari/ari-client';

const server = http.createServer((_req, res) => {
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end('{"message":"Authentication required"}');
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  connectAriClient(`http://127.0.0.1:${port}`, 'u', 'wrong', 2000).then(
    () => finish({ outcome: 'connected' }),
    (err: Error & { authentication?: boolean }) => finish({ outcome: 'rejected', name: err.name, authentication: err.authentication }),
  );
});

function finish(result: object): void {
  // Give a late uncaughtException the chance to kill us before we report.
  setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ ...result, uncaughtListeners: process.listenerCount('uncaughtException') })}\n`);
    server.close();
  }, 100);
}
