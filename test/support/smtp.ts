/**
 * A real SMTP server for the e-mail tests (the `smtp-server` package), on a loopback port:
 * STARTTLS with a self-signed certificate made here with openssl, AUTH PLAIN/LOGIN with one
 * account, and every accepted e-mail parsed with mailparser. It can be stopped and started
 * again on the same port (the mail-server outage).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export const SMTP_USER = 'voice-portal';
export const SMTP_PASS = 'smtp-test-password';

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: string;
  /** The session had switched to TLS (STARTTLS) and authenticated before DATA. */
  secure: boolean;
  user: string | undefined;
  envelopeTo: string[];
}

export interface TestSmtp {
  port: number;
  /** PEM of the self-signed certificate: what the client must trust (SMTP_CA_FILE). */
  caFile: string;
  /** smtp://user:pass@127.0.0.1:port */
  url: string;
  received: ReceivedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stop for good and remove the certificate files. */
  close(): Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A self-signed certificate for 127.0.0.1 (IP SAN: the client checks the name). */
function selfSignedCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

export async function startTestSmtp(opts: { port?: number; listen?: boolean } = {}): Promise<TestSmtp> {
  const dir = mkdtempSync(join(tmpdir(), 'voice-portal-smtp-'));
  const { key, cert, certFile } = selfSignedCertificate(dir);
  const port = opts.port ?? (await freeLoopbackPort());
  const received: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  let server: SMTPServer | undefined;

  const make = (): SMTPServer =>
    new SMTPServer({
      secure: false,
      key,
      cert,
      authMethods: ['PLAIN', 'LOGIN'],
      // AUTH only after STARTTLS (the default), and only this account.
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              received.push({
                parsed,
                raw,
                secure: session.secure,
                user: typeof session.user === 'string' ? session.user : undefined,
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              });
              for (const w of waiters.splice(0)) w();
              callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
      logger: false,
      disabledCommands: [],
    });

  const api: TestSmtp = {
    port,
    caFile: certFile,
    url: `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${port}`,
    received,
    async start() {
      if (server) return;
      const s = make();
      s.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        s.server.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async close() {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${count} e-mail(s); received ${received.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
  };
  if (opts.listen !== false) await api.start();
  return api;
}
