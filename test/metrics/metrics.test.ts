/**
 * Issue #14 item 5: GET /metrics on the health server, scraped over HTTP while calls are
 * placed on the ARI test double. Each metric is read before and after the event it counts,
 * and must have moved. Nothing scraped may carry a PIN, a caller ID or a user id.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHealthServer, type HealthServer } from '../../src/http/health';
import { ADMIN_PASSCODE, ended, heard, hears, PARIS, startHarness, waitUntil, type Harness } from '../support/portal-harness';

let h: Harness;
let health: HealthServer;
const scraped: string[] = [];

const PIN = '502938';
const WRONG = '111222';

beforeAll(async () => {
  h = await startHarness({ app: { processMetrics: false } });
  health = await startHealthServer({
    port: 0,
    probe: { redisUp: () => h.app.store.ping(), ariState: () => h.app.engine.state, draining: () => h.app.draining },
    metrics: h.app.metrics,
  });
  await h.admin.addLocation({ ...PARIS, adminPasscode: ADMIN_PASSCODE }, 'test');
}, 30_000);

afterAll(async () => {
  await health?.close();
  await h?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${health.port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  scraped.push(text);
  return text;
}

/** The value of one series, 0 when absent. `labels`: exact label set, e.g. {result:"ok"}. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (have === wanted) return Number(m[3]);
  }
  return 0;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  return value(await scrape(), name, labels);
}

let nextExt = 4100;
async function readyUser(): Promise<{ id: string; ext: string }> {
  const ext = String(nextExt++);
  const user = await h.admin.createUser({ locationId: 'paris', extension: ext }, 'test');
  await h.admin.selfServiceSetPin(user.id, PIN, 'test');
  await h.admin.markNameRecorded(user.id, 'test');
  return { id: user.id, ext };
}

function ownPhoneCall(ext: string): ReturnType<Harness['call']> {
  return h.call({ callerNumber: ext, args: ['portal', 'paris', 'internal'] });
}

test('calls in progress and calls by outcome', async () => {
  const u = await readyUser();
  const before = await scrape();
  const call = await ownPhoneCall(u.ext);
  await hears(call, 'welcome');
  expect(await metric('voice_portal_calls_in_progress')).toBe(value(before, 'voice_portal_calls_in_progress') + 1);
  await call.hangup();
  await ended(call);
  let after = await scrape();
  for (let i = 0; i < 50 && value(after, 'voice_portal_calls_in_progress') !== value(before, 'voice_portal_calls_in_progress'); i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = await scrape();
  }
  expect(value(after, 'voice_portal_calls_in_progress')).toBe(value(before, 'voice_portal_calls_in_progress'));
  expect(value(after, 'voice_portal_calls_total', { outcome: 'caller-hangup' })).toBe(value(before, 'voice_portal_calls_total', { outcome: 'caller-hangup' }) + 1);
});

test('logins by result (ok, invalid, locked, refused, throttled); locks and unlocks; PIN-hash and key-to-request histograms', async () => {
  const u = await readyUser();
  const before = await scrape();

  // ok, after one invalid: both counted; PINs were hashed; keys were answered.
  const call = await ownPhoneCall(u.ext);
  await hears(call, 'welcome');
  await call.press(`${WRONG}#`);
  await hears(call, 'enter-passcode');
  await call.press(`${PIN}#`);
  await hears(call, 'main-menu');
  await call.hangup();
  await ended(call);
  let now = await scrape();
  expect(value(now, 'voice_portal_logins_total', { result: 'ok' })).toBe(value(before, 'voice_portal_logins_total', { result: 'ok' }) + 1);
  expect(value(now, 'voice_portal_logins_total', { result: 'invalid' })).toBe(value(before, 'voice_portal_logins_total', { result: 'invalid' }) + 1);
  expect(value(now, 'voice_portal_pin_hash_duration_seconds_count', { operation: 'verify' })).toBeGreaterThanOrEqual(
    value(before, 'voice_portal_pin_hash_duration_seconds_count', { operation: 'verify' }) + 2,
  );
  expect(value(now, 'voice_portal_key_to_request_seconds_count')).toBeGreaterThan(value(before, 'voice_portal_key_to_request_seconds_count'));
  expect(value(now, 'voice_portal_redis_command_duration_seconds_count', { command: 'eval' })).toBeGreaterThan(
    value(before, 'voice_portal_redis_command_duration_seconds_count', { command: 'eval' }),
  );

  // locked: the fourth consecutive wrong PIN locks the mailbox (a lock in the audit trail).
  for (let i = 0; i < 3; i++) await h.admin.verifyUserPin(u.ext, WRONG, u.ext);
  const lockCall = await ownPhoneCall(u.ext);
  await hears(lockCall, 'welcome');
  await lockCall.press(`${WRONG}#`);
  await ended(lockCall);
  expect(heard(lockCall)).toContain('locked');
  now = await scrape();
  expect(value(now, 'voice_portal_logins_total', { result: 'locked' })).toBe(value(before, 'voice_portal_logins_total', { result: 'locked' }) + 1);
  for (let i = 0; i < 100 && value(now, 'voice_portal_locks_total', { subject: 'mailbox' }) === value(before, 'voice_portal_locks_total', { subject: 'mailbox' }); i++) {
    await new Promise((r) => setTimeout(r, 30));
    now = await scrape();
  }
  expect(value(now, 'voice_portal_locks_total', { subject: 'mailbox' })).toBe(value(before, 'voice_portal_locks_total', { subject: 'mailbox' }) + 1);

  // An unlock made by another connection (as the CLI would): counted from the audit trail.
  await h.admin.unlockUser(u.id, 'test');
  for (let i = 0; i < 100 && value(now, 'voice_portal_unlocks_total', { subject: 'mailbox' }) === value(before, 'voice_portal_unlocks_total', { subject: 'mailbox' }); i++) {
    await new Promise((r) => setTimeout(r, 30));
    now = await scrape();
  }
  expect(value(now, 'voice_portal_unlocks_total', { subject: 'mailbox' })).toBe(value(before, 'voice_portal_unlocks_total', { subject: 'mailbox' }) + 1);

  // refused: a mailbox without a PIN.
  const noPin = await h.admin.createUser({ locationId: 'paris', extension: String(nextExt++) }, 'test');
  const refusedCall = await ownPhoneCall(noPin.extension);
  await hears(refusedCall, 'welcome');
  await refusedCall.press(`${PIN}#`);
  await ended(refusedCall);
  now = await scrape();
  expect(value(now, 'voice_portal_logins_total', { result: 'refused' })).toBe(value(before, 'voice_portal_logins_total', { result: 'refused' }) + 1);

  // throttled: a calling number past its hourly failures (another phone, `*` login).
  await h.admin.updatePolicy({ throttlePerHour: 1 }, 'test');
  try {
    await h.admin.verifyUserPin(u.ext, WRONG, '5550199');
    const throttledCall = await h.call({ callerNumber: '5550199' });
    await hears(throttledCall, 'welcome-enter-mailbox');
    await throttledCall.press(`${u.ext}#`);
    await hears(throttledCall, 'enter-passcode');
    await throttledCall.press(`${PIN}#`);
    await ended(throttledCall);
    now = await scrape();
    expect(value(now, 'voice_portal_logins_total', { result: 'throttled' })).toBe(value(before, 'voice_portal_logins_total', { result: 'throttled' }) + 1);
  } finally {
    await h.admin.updatePolicy({ throttlePerHour: 10 }, 'test');
  }
}, 60_000);

test('ARI connection state and lease holder per Asterisk server', async () => {
  // The server's configured name (ARI_SERVERS; `default` for the one server of ARI_URL).
  const server = h.app.servers[0]?.name ?? 'missing';
  expect(server).toBe('default');
  let text = await scrape();
  expect(value(text, 'voice_portal_ari_connection_state', { server, state: 'connected' })).toBe(1);
  expect(value(text, 'voice_portal_ari_lease_held', { server })).toBe(1);
  await h.double.stopAsterisk();
  await waitUntil(() => h.app.engine.state !== 'connected', 10_000, 'the engine notices Asterisk is gone');
  text = await scrape();
  expect(value(text, 'voice_portal_ari_connection_state', { server, state: 'connected' })).toBe(0);
  expect(value(text, 'voice_portal_ari_connection_state', { server, state: h.app.engine.state })).toBe(1);
  expect(value(text, 'voice_portal_ari_lease_held', { server })).toBe(0);
  await h.double.startAsterisk();
  await waitUntil(() => h.app.engine.state === 'connected', 20_000, 'the engine reconnects');
  text = await scrape();
  expect(value(text, 'voice_portal_ari_connection_state', { server, state: 'connected' })).toBe(1);
  expect(value(text, 'voice_portal_ari_lease_held', { server })).toBe(1);
}, 40_000);

test('no label carries a PIN, a caller ID or a user id; every label value is from a fixed set', async () => {
  const text = await scrape();
  const all = scraped.join('\n');
  for (const secret of [PIN, WRONG, ADMIN_PASSCODE, '5550199', '4100', '4101']) expect(all.includes(`"${secret}"`)).toBe(false);
  const users = await h.admin.listUsers();
  for (const user of users) expect(all.includes(user.id)).toBe(false);
  const allowed: Record<string, RegExp> = {
    outcome: /^(completed|caller-hangup|gave-up|unavailable|error)$/,
    result: /^(ok|invalid|locked|throttled|refused)$/,
    subject: /^(mailbox|admin)$/,
    operation: /^(hash|verify|dummy|history)$/,
    command: /^[a-z]{2,16}$/,
    state: /^(connecting|connected|reconnecting|standby|stopped)$/,
    // Server names come from ARI_SERVERS, set by the operator: letters, digits, _ . -.
    server: /^[A-Za-z0-9_.-]{1,64}$/,
    le: /^([\d.e+-]+|\+Inf)$/,
  };
  for (const line of text.split('\n')) {
    if (!line.startsWith('voice_portal_')) continue;
    for (const [, label, labelValue] of line.matchAll(/([a-z_]+)="([^"]*)"/g)) {
      expect({ label, ok: (allowed[label as string] ?? /^$/).test(labelValue as string) }).toEqual({ label, ok: true });
    }
  }
});

test('the Grafana dashboard (deploy/grafana/voice-portal.json) queries only metrics /metrics serves, and shows each of them', async () => {
  const dashboard = JSON.parse(readFileSync(join(__dirname, '../../deploy/grafana/voice-portal.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const text = await scrape();
  const served = new Set([...text.matchAll(/^# TYPE (voice_portal_[a-z_]+) /gm)].map((m) => m[1] as string));
  const queried = new Set<string>();
  for (const panel of dashboard.panels) {
    expect(panel.targets.length).toBeGreaterThan(0);
    for (const target of panel.targets) {
      for (const [name] of target.expr.matchAll(/voice_portal_[a-z_]+/g)) queried.add(name.replace(/_(bucket|sum|count)$/, ''));
    }
  }
  for (const name of queried) expect({ name, served: served.has(name) }).toEqual({ name, served: true });
  // Every portal metric (process metrics aside) has a panel.
  const portal = [...served].filter((name) => !/^voice_portal_(process|nodejs)_/.test(name));
  for (const name of portal) expect({ name, shown: queried.has(name) }).toEqual({ name, shown: true });
});
