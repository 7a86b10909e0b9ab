/**
 * The self-service HTTP API (issue #15) against a real Redis and the ARI test double: every
 * operation, every error status, scopes, rate limits, the audit of every call, and proof that
 * no PIN reaches a log line, an audit entry or a response.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startApiServer } from '../../src/api/server';
import { recordingFilesOverHttp } from '../../src/ari';
import { openMessageStore, openStore, type User } from '../../src/store';
import { freePort } from '../support/redis';
import { DEFAULT_PIN, PARIS, PEPPER } from '../support/portal-harness';
import { API_DEFAULTS, capturingLogger, startApiHarness, type ApiHarness } from './support';

let h: ApiHarness;
let selfToken: string;
let adminToken: string;
/** Every response body of this file, to prove at the end that no PIN was ever echoed. */
const bodies: string[] = [];
// PINs typed in this file: long and unusual, so they never appear by chance in ids or times.
const GOOD_PIN = '58203917';
const OTHER_GOOD_PIN = '69302718';
const TYPED = [GOOD_PIN, OTHER_GOOD_PIN, '123456', '4444555', '31001999'];

beforeAll(async () => {
  h = await startApiHarness();
  await h.admin.addLocation(PARIS, 'test');
  selfToken = (await h.admin.createApiToken('intranet', 'self-service', 'test')).token;
  adminToken = (await h.admin.createApiToken('helpdesk', 'admin', 'test')).token;
}, 30_000);
afterAll(async () => {
  await h?.close();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function api(method: string, url: string, opts: { token?: string | null; body?: unknown; raw?: string; contentType?: string; base?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? selfToken : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${opts.base ?? h.base}/api/v1${url}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const isAudio = (res.headers.get('content-type') ?? '').startsWith('audio/');
  const text = isAudio ? '' : await res.text();
  if (isAudio) await res.arrayBuffer();
  bodies.push(text);
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

let nextExt = 3100;
async function newUser(opts: { named?: boolean } = {}): Promise<User> {
  const user = await h.admin.createUser({ locationId: 'paris', extension: String(nextExt++) }, 'test');
  await h.admin.selfServiceSetPin(user.id, '740185', 'test');
  if (opts.named !== false) await h.admin.markNameRecorded(user.id, 'test');
  return user;
}

async function lock(user: User): Promise<void> {
  for (let i = 0; i < 4; i++) await h.admin.verifyUserPin(user.extension, '000000', user.extension);
  expect((await h.admin.getUser(user.id))?.lockedSince).toBeDefined();
}

async function seedMessage(userId: string, durationSec = 4): Promise<string> {
  const r = await h.app.messages.reserve(userId, { maxMessages: 100, staleAfterMs: 60_000 });
  if (r.result !== 'ok') throw new Error('full');
  await h.app.messages.commit(userId, r.messageId, { receivedAt: Date.now(), callerNumber: '+33155667788', callerName: 'Zoe', durationSec });
  h.double.addStoredRecording(`voice-portal/vm/${userId}/${r.messageId}`, durationSec);
  return r.messageId;
}

const problemOf = (a: Answer): Record<string, unknown> => {
  expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(a.json).toMatchObject({ type: expect.stringMatching(/^urn:voice-portal:problem:/), title: expect.any(String), status: a.status });
  return a.json;
};

describe('the OpenAPI document', () => {
  test('is served without a token, lists every operation, and equals docs/openapi.json', async () => {
    const a = await api('GET', '/openapi.json', { token: null });
    expect(a.status).toBe(200);
    expect(a.json.openapi).toBe('3.1.0');
    const ops = Object.values(a.json.paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ops.sort()).toEqual(
      ['deleteMessage', 'getGreetingAudio', 'getMessageAudio', 'getUser', 'listGreetings', 'listMessages', 'resetPin', 'restoreDefaultGreeting', 'saveMessage', 'setPin', 'unlockUser'].sort(),
    );
    const committed = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8')) as unknown;
    // Out of date? `npm run openapi` rewrites it.
    expect(a.json).toEqual(committed);
  });
});

describe('authentication and scopes', () => {
  test('no token, a malformed header, an unknown token, a revoked token: 401 with WWW-Authenticate', async () => {
    const u = await newUser();
    for (const token of [null, 'not a token', 'vpt_unknownunknownunknown']) {
      const a = await api('GET', `/users/${u.id}`, { token });
      expect(a.status).toBe(401);
      expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
      problemOf(a);
    }
    const { token } = await h.admin.createApiToken('short-lived', 'self-service', 'test');
    expect((await api('GET', `/users/${u.id}`, { token })).status).toBe(200);
    await h.admin.revokeApiToken('short-lived', 'test');
    expect((await api('GET', `/users/${u.id}`, { token })).status).toBe(401);
  });

  test('a self-service token may not unlock nor reset (403); an admin token may', async () => {
    const u = await newUser();
    await lock(u);
    for (const op of ['unlock', 'reset-pin']) {
      const a = await api('POST', `/users/${u.id}/${op}`);
      expect(a.status).toBe(403);
      expect(problemOf(a).detail).toMatch(/self-service token may not/);
    }
    const unlocked = await api('POST', `/users/${u.id}/unlock`, { token: adminToken });
    expect(unlocked.status).toBe(200);
    expect(unlocked.json).toMatchObject({ wasLocked: true, user: { locked: false, failures: 0, pin: { set: true, mustChange: false } } });
    expect((await h.admin.getUser(u.id))?.lockedSince).toBeUndefined();
  });
});

describe('operations', () => {
  test("a user's state: PIN state, lock, name, counts; never a hash", async () => {
    const u = await newUser();
    await h.admin.updateUser(u.id, { email: 'Ann.Martin@Example.com', displayName: 'Ann Martin' }, 'test');
    h.double.addStoredRecording(`voice-portal/names/${u.id}`, 2);
    await seedMessage(u.id);
    const a = await api('GET', `/users/${u.id}`);
    expect(a.status).toBe(200);
    expect(a.json).toEqual({
      id: u.id,
      locationId: 'paris',
      extension: u.extension,
      number: null,
      name: 'Ann Martin',
      email: 'ann.martin@example.com',
      language: null,
      pin: { set: true, mustChange: false, changedAt: expect.any(String) },
      locked: false,
      lockedSince: null,
      failures: 0,
      nameRecording: { mustRecord: false, recorded: true },
      messages: { new: 1, saved: 0 },
    });
    expect(a.text).not.toMatch(/scrypt|argon|hash|\$/i);
    expect((await api('GET', '/users/nobody-here')).status).toBe(404);
    const bad = await api('GET', '/users/bad%7Bid%7D');
    expect(bad.status).toBe(400);
    expect(problemOf(bad).errors).toEqual([expect.stringMatching(/params\/userId/)]);
  });

  test('set PIN: policy reasons as the CLI (422), then a valid PIN unlocks; the history refuses it again', async () => {
    const u = await newUser();
    await lock(u);
    const cases: [string, string, string][] = [
      ['123456', 'too-simple', 'the PIN is too simple (repeated digits, a run such as 1234, or a repeated pattern)'],
      ['4444555', 'too-simple', 'the PIN is too simple (repeated digits, a run such as 1234, or a repeated pattern)'],
      ['12a456', 'not-digits', 'the PIN must contain digits only'],
      ['9518', 'too-short', 'the PIN is too short'],
      [`3${u.extension}999`, 'contains-number', 'the PIN contains your extension or phone number'],
    ];
    for (const [pin, reason, text] of cases) {
      const a = await api('PUT', `/users/${u.id}/pin`, { body: { pin } });
      expect(a.status).toBe(422);
      expect(problemOf(a)).toMatchObject({ reason, reasonText: text, detail: `PIN rejected: ${text}` });
    }
    const ok = await api('PUT', `/users/${u.id}/pin`, { body: { pin: GOOD_PIN } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ locked: false, failures: 0, pin: { set: true, mustChange: false } });
    expect(await h.admin.verifyUserPin(u.extension, GOOD_PIN, u.extension)).toMatchObject({ result: 'ok', mustChange: false });
    const again = await api('PUT', `/users/${u.id}/pin`, { body: { pin: GOOD_PIN } });
    expect(problemOf(again)).toMatchObject({ status: 422, reason: 'used-recently', reasonText: 'the PIN was used recently' });
    const audit = await h.admin.readAudit({ userId: u.id });
    expect(audit.filter((e) => e.type === 'self-service-set').map((e) => e.actor)).toEqual(['test', 'token:intranet']);
    expect(audit.find((e) => e.type === 'unlocked')).toMatchObject({ actor: 'token:intranet', detail: 'self-service PIN set' });
  });

  test('set PIN input: only a JSON body {pin: string}; never a query string', async () => {
    const u = await newUser();
    const before = (await h.admin.getUser(u.id))?.pinChangedAt;
    expect(problemOf(await api('PUT', `/users/${u.id}/pin`, { body: { pin: 58203917 } })).status).toBe(400);
    expect(problemOf(await api('PUT', `/users/${u.id}/pin`, { body: { pin: GOOD_PIN, extra: 1 } })).status).toBe(400);
    expect(problemOf(await api('PUT', `/users/${u.id}/pin`, { body: {} })).status).toBe(400);
    expect(problemOf(await api('PUT', `/users/${u.id}/pin`, { raw: '{"pin": "5820', contentType: 'application/json' })).status).toBe(400);
    expect(problemOf(await api('PUT', `/users/${u.id}/pin`, { raw: GOOD_PIN, contentType: 'text/plain' })).status).toBe(415);
    expect(problemOf(await api('PUT', `/users/${u.id}/pin`, { body: { pin: '5'.repeat(2000) } })).status).toBe(413);
    const inUrl = await api('PUT', `/users/${u.id}/pin?pin=${OTHER_GOOD_PIN}`, { body: { pin: OTHER_GOOD_PIN } });
    expect(problemOf(inUrl)).toMatchObject({ status: 400, detail: expect.stringMatching(/no query parameters/) });
    expect((await h.admin.getUser(u.id))?.pinChangedAt).toBe(before);
    expect(await h.admin.verifyUserPin(u.extension, OTHER_GOOD_PIN, u.extension)).toMatchObject({ result: 'invalid' });
  });

  test('admin reset: default PIN with a forced change and the name again (admin scope)', async () => {
    const u = await newUser();
    await lock(u);
    await h.admin.setDefaultPin(DEFAULT_PIN, 'test');
    const a = await api('POST', `/users/${u.id}/reset-pin`, { token: adminToken });
    await h.admin.clearDefaultPin('test');
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ pin: 'default', user: { locked: false, pin: { set: true, mustChange: true }, nameRecording: { mustRecord: true } } });
    const b = await api('POST', `/users/${u.id}/reset-pin`, { token: adminToken });
    expect(b.json).toMatchObject({ pin: 'none', user: { pin: { set: false } } });
    expect((await api('POST', '/users/nobody-here/reset-pin', { token: adminToken })).status).toBe(404);
  });

  test('messages: list, stream the audio from Asterisk, save (lamp), delete (lamp, recording gone)', async () => {
    const u = await newUser();
    const first = await seedMessage(u.id, 3);
    const second = await seedMessage(u.id, 5);
    const list = await api('GET', `/users/${u.id}/messages`);
    expect(list.status).toBe(200);
    expect(list.json.messages).toEqual([
      { id: first, status: 'new', callerNumber: '+33155667788', callerName: 'Zoe', receivedAt: expect.any(String), durationSec: 3 },
      { id: second, status: 'new', callerNumber: '+33155667788', callerName: 'Zoe', receivedAt: expect.any(String), durationSec: 5 },
    ]);

    const audio = await fetch(`${h.base}/api/v1/users/${u.id}/messages/${first}/audio`, { headers: { authorization: `Bearer ${selfToken}` } });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await audio.arrayBuffer());
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(Number(audio.headers.get('content-length'))).toBe(wav.length);
    // 8 kHz 16-bit mono: the double's file is as long as the recording.
    expect(wav.length - 44).toBe(3 * 8000 * 2);

    const saved = await api('POST', `/users/${u.id}/messages/${first}/save`);
    expect(saved.json).toMatchObject({ id: first, status: 'saved' });
    expect(h.double.mailboxes().get(`${u.extension}@voice-portal`)).toEqual({ oldMessages: 1, newMessages: 1 });

    expect((await api('DELETE', `/users/${u.id}/messages/${first}`)).status).toBe(204);
    expect(h.double.mailboxes().get(`${u.extension}@voice-portal`)).toEqual({ oldMessages: 0, newMessages: 1 });
    expect(h.double.storedRecordings().has(`voice-portal/vm/${u.id}/${first}`)).toBe(false);
    expect((await h.app.messages.list(u.id)).map((m) => m.id)).toEqual([second]);

    expect(problemOf(await api('DELETE', `/users/${u.id}/messages/${first}`)).status).toBe(404);
    expect((await api('POST', `/users/${u.id}/messages/${first}/save`)).status).toBe(404);
    expect((await api('GET', `/users/${u.id}/messages/${first}/audio`)).status).toBe(404);
    expect((await api('GET', `/users/${u.id}/messages/not-an-id/audio`)).status).toBe(400);
    // Listed, but its recording was lost behind the application's back: 404 from Asterisk.
    h.double.removeStoredRecording(`voice-portal/vm/${u.id}/${second}`);
    expect(problemOf(await api('GET', `/users/${u.id}/messages/${second}/audio`)).status).toBe(404);
  });

  test('greetings: state, listen, back to the default', async () => {
    const u = await newUser();
    h.double.addStoredRecording(`voice-portal/greetings/${u.id}/busy`, 2);
    const list = await api('GET', `/users/${u.id}/greetings`);
    expect(list.json).toEqual({ greetings: [{ kind: 'busy', recorded: true }, { kind: 'unavailable', recorded: false }] });
    const audio = await fetch(`${h.base}/api/v1/users/${u.id}/greetings/busy/audio`, { headers: { authorization: `Bearer ${selfToken}` } });
    expect(audio.status).toBe(200);
    expect(Buffer.from(await audio.arrayBuffer()).length).toBe(44 + 2 * 8000 * 2);
    expect((await api('GET', `/users/${u.id}/greetings/unavailable/audio`)).status).toBe(404);
    expect((await api('GET', `/users/${u.id}/greetings/holiday/audio`)).status).toBe(400);
    expect((await api('DELETE', `/users/${u.id}/greetings/busy`)).status).toBe(204);
    expect(h.double.storedRecordings().has(`voice-portal/greetings/${u.id}/busy`)).toBe(false);
    expect((await api('GET', `/users/${u.id}/greetings`)).json).toEqual({ greetings: [{ kind: 'busy', recorded: false }, { kind: 'unavailable', recorded: false }] });
  });

  test('a known path with another method: 405 with Allow; an unknown path: 404', async () => {
    const u = await newUser();
    const a = await api('PATCH', `/users/${u.id}/pin`, { body: { pin: GOOD_PIN } });
    expect(problemOf(a).status).toBe(405);
    expect(a.headers.get('allow')).toBe('PUT');
    expect(problemOf(await api('GET', '/nothing/here')).status).toBe(404);
  });
});

describe('dependencies down', () => {
  test('Asterisk down: PIN operations and state still work (name unknown); audio and greetings 503', async () => {
    const logs: string[] = [];
    const closed = await freePort();
    const server = await startApiServer({
      deps: {
        store: h.app.store,
        messages: h.app.messages,
        recordings: recordingFilesOverHttp({ url: `http://127.0.0.1:${closed}`, username: 'x', password: 'y' }),
        logger: capturingLogger(logs),
      },
      config: API_DEFAULTS,
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const u = await newUser();
      await lock(u);
      const m = await seedMessage(u.id);
      expect((await api('GET', `/users/${u.id}`, { base })).json).toMatchObject({ nameRecording: { recorded: null }, messages: { new: 1 } });
      expect((await api('PUT', `/users/${u.id}/pin`, { base, body: { pin: GOOD_PIN } })).json).toMatchObject({ locked: false });
      expect((await api('POST', `/users/${u.id}/unlock`, { base, token: adminToken })).status).toBe(200);
      const audio = await api('GET', `/users/${u.id}/messages/${m}/audio`, { base });
      expect(problemOf(audio)).toMatchObject({ status: 503, type: 'urn:voice-portal:problem:pbx-unavailable' });
      expect(audio.headers.get('retry-after')).toBe('5');
      expect(problemOf(await api('DELETE', `/users/${u.id}/greetings/busy`, { base })).status).toBe(503);
      expect((await api('GET', `/users/${u.id}/greetings`, { base })).json).toEqual({ greetings: [{ kind: 'busy', recorded: null }, { kind: 'unavailable', recorded: null }] });
    } finally {
      await server.close();
    }
  });

  test('Redis down: 503 problem with Retry-After', async () => {
    const closed = await freePort();
    const logger = capturingLogger([]);
    const store = openStore({ redis: { url: `redis://127.0.0.1:${closed}` }, pepper: PEPPER, logger });
    const messages = openMessageStore({ redis: { url: `redis://127.0.0.1:${closed}` } });
    const server = await startApiServer({
      deps: { store, messages, recordings: recordingFilesOverHttp({ url: h.double.url, username: 'x', password: 'y' }), logger },
      config: API_DEFAULTS,
    });
    try {
      const a = await api('GET', '/users/anyone', { base: `http://127.0.0.1:${server.port}` });
      expect(problemOf(a)).toMatchObject({ status: 503, type: 'urn:voice-portal:problem:store-unavailable' });
      expect(a.headers.get('retry-after')).toBe('5');
    } finally {
      await server.close();
      await store.close();
      await messages.close();
    }
  });
});

describe('rate limits', () => {
  test('per token, then per user whoever asks; Retry-After; a new window lets requests through', async () => {
    const clock = { now: 1_000_000 };
    const server = await startApiServer({
      deps: { store: h.app.store, messages: h.app.messages, recordings: recordingFilesOverHttp({ url: h.double.url, username: 'x', password: 'y' }), logger: capturingLogger([]) },
      config: { ...API_DEFAULTS, tokenRatePerMinute: 3, userRatePerMinute: 4 },
      now: () => clock.now,
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const u = await newUser();
      const statuses = async (token: string, n: number): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push((await api('GET', `/users/${u.id}`, { base, token })).status);
        return out;
      };
      expect(await statuses(selfToken, 4)).toEqual([200, 200, 200, 429]);
      clock.now += 20_000;
      const limited = await api('GET', `/users/${u.id}`, { base });
      expect(problemOf(limited)).toMatchObject({ status: 429, type: 'urn:voice-portal:problem:rate-limited' });
      expect(limited.headers.get('retry-after')).toBe('40');
      // Another token has its own window, but the user's (4 a minute) is shared: 3 + 1.
      expect(await statuses(adminToken, 2)).toEqual([200, 429]);
      expect(problemOf(await api('GET', `/users/${u.id}`, { base, token: adminToken })).detail).toMatch(/about this user/);
      // Both windows over (the token's began 20 s after the user's): through again.
      clock.now += 60_000;
      expect(await statuses(adminToken, 1)).toEqual([200]);
    } finally {
      await server.close();
    }
  });
});

describe('audit and logs', () => {
  test("every call is audited with the token's name as the actor, refused ones too", async () => {
    const u = await newUser();
    const since = Date.now() - 1;
    await api('GET', `/users/${u.id}`);
    await api('POST', `/users/${u.id}/unlock`);
    await api('GET', `/users/${u.id}/messages`, { token: adminToken });
    await api('GET', `/users/${u.id}`, { token: null });
    // The audit entry is written once the response is sent.
    await new Promise((r) => setTimeout(r, 100));
    const entries = (await h.admin.readAudit({ userId: u.id, since })).filter((e) => e.type === 'api-request');
    expect(entries.map((e) => [e.actor, e.outcome, e.detail])).toEqual([
      ['token:intranet', '200', 'GET /api/v1/users/:userId -> 200'],
      ['token:intranet', '403', 'POST /api/v1/users/:userId/unlock -> 403'],
      ['token:helpdesk', '200', 'GET /api/v1/users/:userId/messages -> 200'],
      ['api:unauthenticated', '401', 'GET /api/v1/users/:userId -> 401'],
    ]);
    expect(h.logs.some((l) => /"message":"api request"/.test(l) && /"actor":"token:helpdesk"/.test(l))).toBe(true);
  });

  test('no PIN typed in this file is in a log line, an audit entry or a response body', async () => {
    await new Promise((r) => setTimeout(r, 100));
    // Without each entry's id and time: clock readings in ms, whose digits can hold any PIN
    // (1796411234567 holds 123456).
    const audit = JSON.stringify((await h.admin.readAudit({ limit: 100_000 })).map(({ id: _id, time: _time, ...entry }) => entry));
    const logs = h.logs.join('\n');
    expect(logs).toMatch(/api request/);
    for (const pin of TYPED) {
      expect(logs).not.toContain(pin);
      expect(audit).not.toContain(pin);
      for (const body of bodies) expect(body).not.toContain(pin);
    }
  });
});
