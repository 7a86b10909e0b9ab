/**
 * A stand-in for the organisation's SSO reverse proxy (oauth2-proxy, Authelia…): it forwards
 * every request to the self-service server from its own address (127.0.0.2, the one listed
 * in WEB_TRUSTED_PROXIES), replacing whatever identity header the browser sent with the
 * signed-in user it was told about.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SsoProxy {
  url: string;
  /** Who the proxy says is signed in (an id or an e-mail); undefined = nobody. */
  signedIn: string | undefined;
  close(): Promise<void>;
}

export const PROXY_ADDRESS = '127.0.0.2';

export async function startSsoProxy(targetPort: number, header: string): Promise<SsoProxy> {
  const proxy: SsoProxy = { url: '', signedIn: undefined, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers[header];
    if (proxy.signedIn !== undefined) headers[header] = proxy.signedIn;
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, localAddress: PROXY_ADDRESS, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
