/**
 * Interactive input and long-running output:
 * - PINs typed on a real pseudo-terminal (util-linux `script`), never echoed;
 * - the no-echo reader itself against a fake TTY stream (editing keys, Ctrl-C, raw mode);
 * - `audit --follow` printing new events as JSON Lines until Ctrl-C;
 * - the --since parser.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { CliError } from '../../src/cli/errors';
import { parseSince } from '../../src/cli/parse';
import { readFirstLine, readHiddenLine, readNewSecret, type SecretInput } from '../../src/cli/pin-input';
import { silentLogger } from '../../src/log';
import { openStore, type Store } from '../../src/store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { baseEnv, exited, makeRunner, PEPPER, prepareCli, spawnAdmin, type PreparedCli } from './support';

let cli: PreparedCli;
let redis: TestRedis;
let store: Store;
const admin = makeRunner(() => cli, () => redis.url);

beforeAll(async () => {
  cli = prepareCli();
  redis = await startTestRedis();
  store = openStore({ redis: { url: redis.url }, pepper: PEPPER, logger: silentLogger() });
  expect(admin(['location', 'add', 'hq', '--portal-extension', '8000']).code).toBe(0);
  expect(admin(['user', 'add', 'tom', '--location', 'hq', '--extension', '1001']).code).toBe(0);
});

afterAll(async () => {
  await store?.close();
  await redis?.stop();
  cli?.cleanup();
});

/** Everything a child wrote to stdout so far, and a way to wait for more. */
function watch(child: ChildProcess): { text: () => string; until: (pattern: RegExp, timeoutMs?: number) => Promise<string> } {
  let seen = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    for (const check of waiters) check();
  });
  return {
    text: () => seen,
    until: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(seen)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(seen);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(seen)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe('PIN typed on a terminal (pseudo-terminal through `script`)', () => {
  const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

  /** Run the CLI on a pty; type each entry only once its prompt is shown (as a person would). */
  async function onTerminal(args: string[], entries: string[]): Promise<{ code: number | null; output: string }> {
    const command = [process.execPath, cli.main, ...args].map(shellQuote).join(' ');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(baseEnv(redis.url))) if (v !== undefined) env[k] = v;
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const screen = watch(child);
    let prompts = 0;
    for (const entry of entries) {
      prompts++;
      await screen.until(new RegExp(`(PIN|passcode): [^]*`.repeat(prompts)));
      // Give the reader a moment to switch the terminal to raw mode after printing the prompt.
      await new Promise((r) => setTimeout(r, 150));
      child.stdin?.write(`${entry}\r`);
    }
    const code = await exited(child);
    return { code, output: screen.text() };
  }

  (hasScript ? test : test.skip)('user set-pin: asked twice, never echoed, and the PIN works', async () => {
    const pin = '71940263';
    const { code, output } = await onTerminal(['user', 'set-pin', 'tom'], [pin, pin]);
    expect(output).toMatch(/New PIN: [^]*Repeat the new PIN: [^]*PIN of tom set; the mailbox is open\./);
    expect(output).not.toContain(pin);
    expect(code).toBe(0);
    expect(await store.verifyUserPin('1001', pin, '1001')).toMatchObject({ result: 'ok' });
  });

  (hasScript ? test : test.skip)('two different entries: refused, nothing changed', async () => {
    const { code, output } = await onTerminal(['default-pin', 'set'], ['52807314', '52807341']);
    // On a terminal the `error:` prefix is red (src/cli/colour.ts).
    expect(output).toContain('\u001b[1;31merror:\u001b[0m the two default PIN entries differ: nothing changed');
    expect(output).not.toMatch(/5280731/);
    expect(code).toBe(1);
    expect(await store.getDefaultPinInfo()).toEqual({ set: false });
  });
});

/** A stream that says it is a terminal and records raw-mode switches. */
function fakeTty(): { input: SecretInput & PassThrough; rawModes: boolean[] } {
  const input = new PassThrough() as SecretInput & PassThrough;
  const rawModes: boolean[] = [];
  input.isTTY = true;
  input.setRawMode = (mode: boolean) => {
    rawModes.push(mode);
    return input;
  };
  return { input, rawModes };
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('the no-echo reader', () => {
  test('raw mode on while reading and off after; nothing but the prompt and a newline is written', async () => {
    const { input, rawModes } = fakeTty();
    const prompts = collect();
    const line = readHiddenLine({ input, prompts: prompts.stream }, 'New PIN: ');
    input.write('12');
    input.write('34\u007f5\b6');
    input.write('78\r');
    await expect(line).resolves.toBe('123678');
    expect(rawModes).toEqual([true, false]);
    expect(prompts.text()).toBe('New PIN: \n');
  });

  test('Ctrl-U clears the line; control characters are ignored; Ctrl-D ends an empty entry', async () => {
    const { input } = fakeTty();
    const prompts = collect();
    const first = readHiddenLine({ input, prompts: prompts.stream }, '> ');
    input.write('999\u0015\u001b24680\n');
    await expect(first).resolves.toBe('24680');
    const second = readHiddenLine({ input, prompts: prompts.stream }, '> ');
    input.write('\u0004');
    await expect(second).resolves.toBe('');
  });

  test('Ctrl-C aborts with exit code 130 and restores the terminal', async () => {
    const { input, rawModes } = fakeTty();
    const line = readHiddenLine({ input, prompts: collect().stream }, '> ');
    input.write('12\u0003');
    await expect(line).rejects.toEqual(expect.objectContaining({ exitCode: 130 }));
    await expect(line).rejects.toBeInstanceOf(CliError);
    expect(rawModes).toEqual([true, false]);
  });

  test('readNewSecret on a terminal asks twice and refuses a mismatch or an empty entry', async () => {
    const ok = fakeTty();
    const prompts = collect();
    const secret = readNewSecret({ input: ok.input, prompts: prompts.stream }, 'PIN');
    ok.input.write('482916\r');
    await new Promise((r) => setImmediate(r));
    ok.input.write('482916\r');
    await expect(secret).resolves.toBe('482916');
    expect(prompts.text()).toBe('New PIN: \nRepeat the new PIN: \n');

    const differ = fakeTty();
    const mismatch = readNewSecret({ input: differ.input, prompts: collect().stream }, 'PIN');
    differ.input.write('482916\r');
    await new Promise((r) => setImmediate(r));
    differ.input.write('482917\r');
    await expect(mismatch).rejects.toThrow('the two PIN entries differ');

    const empty = fakeTty();
    const none = readNewSecret({ input: empty.input, prompts: collect().stream }, 'PIN');
    empty.input.write('\r');
    await expect(none).rejects.toThrow('no PIN entered');
  });

  test('a non-terminal stdin: the first line, CR stripped, without waiting for the end of input', async () => {
    const input = new PassThrough() as SecretInput & PassThrough;
    const line = readFirstLine(input);
    input.write('5820');
    input.write('39\r\nmore');
    await expect(line).resolves.toBe('582039');
    input.end();
  });
});

describe('audit --follow', () => {
  test('prints new events as JSON Lines, filtered, until Ctrl-C (exit 0)', async () => {
    const child = spawnAdmin(cli, redis.url, ['audit', '--follow', '--json', '--user', 'tom']);
    const out = watch(child);
    try {
      // The existing events first (user-created for tom), one JSON document per line.
      await out.until(/"type":"user-created"[^\n]*\n/);
      expect(admin(['user', 'unlock', 'tom']).code).toBe(0);
      expect(admin(['user', 'add', 'ann', '--location', 'hq', '--extension', '1002']).code).toBe(0);
      expect(admin(['user', 'reset-pin', 'tom']).code).toBe(0);
      await out.until(/"type":"admin-reset"/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
    const events = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; userId: string; actor: string });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['user-created', 'unlocked', 'admin-reset']));
    expect(events.every((e) => e.userId === 'tom')).toBe(true);
    // Each event once.
    expect(new Set(events.map((e) => JSON.stringify(e))).size).toBe(events.length);
    expect(events.filter((e) => e.type === 'admin-reset')).toHaveLength(1);
  });
});

describe('--since', () => {
  const now = Date.parse('2024-05-10T12:00:00Z');
  test.each([
    ['90s', now - 90_000],
    ['15m', now - 15 * 60_000],
    ['2h', now - 2 * 3_600_000],
    ['7d', now - 7 * 86_400_000],
    ['1w', now - 7 * 86_400_000],
    ['2024-05-01', Date.parse('2024-05-01')],
    ['2024-05-01T08:00:00Z', Date.parse('2024-05-01T08:00:00Z')],
    ['2024-05-01T08:00:00+02:00', Date.parse('2024-05-01T06:00:00Z')],
  ])('%s', (text, expected) => {
    expect(parseSince(text, now)).toBe(expected);
  });

  test.each(['yesterday', '1', '15 minutes', '2024-13-45', '-2h', ''])('%j is refused', (text) => {
    expect(() => parseSince(text, now)).toThrow(/Expected an ISO 8601 time/);
  });
});
