/**
 * Lockout webhook hygiene (issue #11 item 5): the credential travels as a Bearer header and
 * never reaches a log line, nor does the URL's path or query; a redirect is a failed delivery
 * and is not followed; the URL is validated as in the configuration (no userinfo, http(s)).
 * Loopback receivers only.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import winston from 'winston';
import { LockoutWebhook } from '../../src/store/audit';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

function capturingLogger(): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines };
}

let hook: WebhookReceiver;
let elsewhere: WebhookReceiver;

beforeAll(async () => {
  hook = await startWebhookReceiver('/hooks/secret-path-7f3a');
  elsewhere = await startWebhookReceiver('/internal-admin');
});

afterAll(async () => {
  await hook.close();
  await elsewhere.close();
});

const TOKEN = 'webhook-token-d41d8cd98f00b204';

test('a 307 is not followed: the event never reaches the Location; the failure is logged by scheme and host only', async () => {
  const { logger, lines } = capturingLogger();
  const url = `${hook.url}?key=query-secret-99`;
  const webhook = new LockoutWebhook(url, logger, [5, 5], 5000, TOKEN);
  hook.refuseNext(10, 307, elsewhere.url);
  webhook.notify({ event: 'locked', userId: 'alice' });
  // Three tries (first + two retries), each answered 307, then it gives up.
  expect(await webhook.close(3000)).toBe(1);
  expect(hook.authorizations).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  expect(elsewhere.authorizations).toEqual([]);
  expect(elsewhere.received).toEqual([]);
  expect(hook.received).toEqual([]);

  const origin = new URL(hook.url).origin;
  expect(lines).toHaveLength(3);
  for (const line of lines) {
    expect(line).toContain(origin);
    expect(line).toContain('HTTP 307 (redirect, not followed)');
    for (const secret of [TOKEN, 'secret-path-7f3a', 'query-secret-99', '/internal-admin']) expect(line).not.toContain(secret);
  }
  expect(JSON.parse(lines[2]) as Record<string, unknown>).toMatchObject({ level: 'error', message: 'lockout webhook failed, giving up', target: origin });
});

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('an unreachable receiver: the log names the cause, never the path or the token', async () => {
  const { logger, lines } = capturingLogger();
  const port = await closedPort();
  const webhook = new LockoutWebhook(`http://127.0.0.1:${port}/hooks/secret-path-7f3a`, logger, [], 5000, TOKEN);
  webhook.notify({ event: 'locked' });
  expect(await webhook.close(3000)).toBe(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`http://127.0.0.1:${port}`);
  expect(lines[0]).toContain('ECONNREFUSED');
  expect(lines[0]).not.toContain('secret-path-7f3a');
  expect(lines[0]).not.toContain(TOKEN);
});

test('the webhook itself refuses a URL with credentials or another scheme, without repeating it', () => {
  const { logger } = capturingLogger();
  for (const bad of ['http://user:pass-1234@127.0.0.1:1/x', 'file:///etc/passwd', 'data:text/plain,x', 'javascript:alert(1)']) {
    let message = '';
    try {
      new LockoutWebhook(bad, logger);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/lockout webhook URL (must start with http|must not contain a user name or password)/);
    expect(message).not.toContain('pass-1234');
  }
});
