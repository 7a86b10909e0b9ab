/**
 * The "My voicemail" page (issue #15) in real headless Chromium (Debian's chromium, driven by
 * playwright-core), behind a simulated SSO proxy, against the unchanged app, the ARI double
 * and a private Redis. The screenshots of docs/screenshots/ are written by this test when
 * UPDATE_SCREENSHOTS=1; otherwise it writes them to a temporary folder, so that a test run
 * leaves the checkout as it found it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { User } from '../../src/store';
import type { SimCall } from '../double/control';
import { ended, heard, logInFromOwnPhone, PARIS, recordVoice } from '../support/portal-harness';
import { PROXY_ADDRESS, startSsoProxy, type SsoProxy } from './sso-proxy';
import { startApiHarness, type ApiHarness } from './support';

const CHROMIUM = '/usr/bin/chromium';
/** TOOLCHAIN.md: without the background-networking flags Chromium tries the closed network. */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const SCREENSHOTS = UPDATE_SCREENSHOTS ? path.join(__dirname, '..', '..', 'docs', 'screenshots') : mkdtempSync(path.join(os.tmpdir(), 'voice-portal-screenshots-'));
const HEADER = 'x-forwarded-user';
const OLD_PIN = '740185';
const NEW_PIN = '58203917';

// CI installs chromium (.ci/run); a developer machine without it skips, and says so.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs the chromium package`);
const describeBrowser = haveChromium ? describe : describe.skip;

let h: ApiHarness;
let proxy: SsoProxy;
let browser: Browser | undefined;

beforeAll(async () => {
  h = await startApiHarness({ api: { webAuthHeader: HEADER, webTrustedProxies: [PROXY_ADDRESS] } });
  await h.admin.addLocation(PARIS, 'test');
  await h.admin.addLocation({ ...PARIS, id: 'lyon', name: 'Lyon', portalExtension: '8100', portalNumber: '+33400000000', language: 'fr' }, 'test');
  proxy = await startSsoProxy(h.api.port, HEADER);
  if (haveChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await h?.close();
  if (!UPDATE_SCREENSHOTS) rmSync(SCREENSHOTS, { recursive: true, force: true });
});

let nextExt = 5100;
async function newUser(opts: { email?: string; name?: string; locationId?: string } = {}): Promise<User> {
  const user = await h.admin.createUser(
    { locationId: opts.locationId ?? 'paris', extension: String(nextExt++), ...(opts.email ? { email: opts.email } : {}), ...(opts.name ? { displayName: opts.name } : {}) },
    'test',
  );
  await h.admin.selfServiceSetPin(user.id, OLD_PIN, 'test');
  await h.admin.markNameRecorded(user.id, 'test');
  return user;
}

/** Own phone (the dialplan's `internal` mark), the PIN, the main menu, then goodbye. */
async function portalCall(user: User, pin: string): Promise<SimCall> {
  const call = await h.double.placeCall({ extension: '8000', callerNumber: user.extension, args: ['portal', 'paris', 'internal'] });
  await logInFromOwnPhone(call, pin);
  await call.press('9');
  await ended(call);
  return call;
}

async function openPage(signedIn: string, viewport = { width: 1280, height: 900 }, lang?: 'en' | 'fr'): Promise<Page> {
  proxy.signedIn = signedIn;
  const page = await (browser as Browser).newPage({ viewport });
  await page.goto(`${proxy.url}/my/${lang ? `?lang=${lang}` : ''}`);
  await page.waitForSelector('#greetings li');
  return page;
}

describe('who may use the page', () => {
  const get = (base: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${base}/my/api/state`, { headers });

  test('the identity header is believed only from the trusted proxy', async () => {
    const u = await newUser({ email: 'carl@example.com' });
    // Straight to the server from 127.0.0.1 (not the proxy), header and all: refused.
    const direct = await get(h.base, { [HEADER]: u.id });
    expect(direct.status).toBe(403);
    expect(await direct.json()).toMatchObject({ type: 'urn:voice-portal:problem:forbidden', detail: expect.stringMatching(/single sign-on proxy/) });
    proxy.signedIn = undefined;
    expect((await get(proxy.url)).status).toBe(403);
    proxy.signedIn = 'someone-else@example.com';
    expect((await get(proxy.url)).status).toBe(403);
    proxy.signedIn = 'CARL@example.com';
    const byEmail = await get(proxy.url);
    expect(byEmail.status).toBe(200);
    expect(((await byEmail.json()) as { user: { id: string } }).user.id).toBe(u.id);
    proxy.signedIn = u.id;
    expect((await get(proxy.url)).status).toBe(200);
  });

  test('state changes need the page CSRF token and a same-origin request', async () => {
    const u = await newUser();
    proxy.signedIn = u.id;
    const page = await (await fetch(`${proxy.url}/my/`)).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] as string;
    const put = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${proxy.url}/my/api/pin`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ pin: NEW_PIN }) });
    expect((await put({})).status).toBe(403);
    expect((await put({ 'x-csrf-token': `${csrf.split('.')[0]}.${'A'.repeat(43)}` })).status).toBe(403);
    expect((await put({ 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // Another user's page token is not this user's.
    const other = await newUser();
    proxy.signedIn = other.id;
    expect((await put({ 'x-csrf-token': csrf })).status).toBe(403);
    proxy.signedIn = u.id;
    expect((await put({ 'x-csrf-token': csrf })).status).toBe(200);
    expect(await h.admin.verifyUserPin(u.extension, NEW_PIN, u.extension)).toMatchObject({ result: 'ok' });
  });
});

describeBrowser('in Chromium', () => {
  test('a locked user signs in, is refused a weak PIN (reason shown), sets a valid one; the portal then opens with it', async () => {
    const u = await newUser({ email: 'dana@example.com', name: 'Dana Petit' });
    for (let i = 0; i < 4; i++) await h.admin.verifyUserPin(u.extension, '000000', u.extension);
    const page = await openPage('dana@example.com', { width: 390, height: 844 });
    await page.locator('#locked').waitFor({ state: 'visible' });
    expect(await page.locator('#pin-title').textContent()).toBe('Choose a new PIN');
    await page.screenshot({ path: path.join(ensureDir(SCREENSHOTS), 'locked-en-phone.png'), fullPage: true });

    // As the user types: the policy's reason appears before anything is submitted.
    // (While the digits arrive, "too short" may show first: the hint follows the typing.)
    await page.getByLabel('New PIN', { exact: true }).pressSequentially('123456');
    await page.locator('#pin-reason', { hasText: 'the PIN is too simple (repeated digits, a run such as 1234, or a repeated pattern)' }).waitFor();
    expect(await page.locator('#new-pin').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('New PIN again').fill('123456');
    await page.evaluate("document.getElementById('pin-reason').textContent = ''");
    const refused = page.waitForResponse((r) => r.url().endsWith('/my/api/pin') && r.request().method() === 'PUT');
    await page.getByRole('button', { name: 'Save the new PIN' }).click();
    expect((await refused).status()).toBe(422);
    await page.locator('#pin-reason:not(:empty)').waitFor();
    expect(await page.locator('#pin-reason').textContent()).toBe('the PIN is too simple (repeated digits, a run such as 1234, or a repeated pattern)');
    expect((await h.admin.getUser(u.id))?.lockedSince).toBeDefined();

    await page.getByLabel('New PIN', { exact: true }).fill(NEW_PIN);
    await page.getByLabel('New PIN again').fill(NEW_PIN);
    await page.locator('#pin-reason', { hasText: 'This PIN is acceptable.' }).waitFor();
    await page.getByRole('button', { name: 'Save the new PIN' }).click();
    await page.locator('#status', { hasText: 'Your new PIN works now and your mailbox is unlocked.' }).waitFor();
    expect(await page.locator('#locked').isHidden()).toBe(true);
    await page.close();

    const user = await h.admin.getUser(u.id);
    expect(user).toMatchObject({ failures: 0, mustChange: false });
    expect(user?.lockedSince).toBeUndefined();
    const call = await portalCall(u, NEW_PIN);
    // An empty mailbox: no counts, straight to the main menu.
    expect(heard(call)).toEqual(['welcome', 'main-menu', 'goodbye']);
  }, 60_000);

  test('a message left by a deposit call is played and deleted; the portal announces one message fewer; screenshots', async () => {
    const u = await newUser({ email: 'eve@example.com', name: 'Eve Laurent' });
    h.double.addStoredRecording(`voice-portal/greetings/${u.id}/busy`, 3);
    h.double.addStoredRecording(`voice-portal/names/${u.id}`, 2);
    for (const [caller, name] of [['+33611223344', 'Zoe Martin'], ['+33655443322', '']] as const) {
      const deposit = await h.double.placeCall({ callerNumber: caller, callerName: name, extension: u.extension, args: ['deposit', u.extension, 'unavailable'] });
      await recordVoice(deposit, 3);
      await ended(deposit);
    }
    const before = await portalCall(u, OLD_PIN);
    expect(heard(before).slice(0, 7)).toEqual(['welcome', 'you-have', 'number:2', 'new-messages', 'and', 'number:0', 'saved-messages']);

    const page = await openPage('eve@example.com');
    const items = page.locator('#new-messages li.message');
    expect(await items.count()).toBe(2);
    expect(await items.first().locator('.caller').textContent()).toBe('Zoe Martin (+33611223344)');
    for (const [lang, viewport] of [['en', { width: 1280, height: 900 }], ['en', { width: 390, height: 844 }], ['fr', { width: 1280, height: 900 }], ['fr', { width: 390, height: 844 }]] as const) {
      const shot = await openPage('eve@example.com', viewport, lang);
      await shot.screenshot({ path: path.join(ensureDir(SCREENSHOTS), `my-voicemail-${lang}-${viewport.width > 600 ? 'desktop' : 'phone'}.png`), fullPage: true });
      await shot.close();
    }

    const [message] = await h.app.messages.list(u.id);
    const audioAnswer = page.waitForResponse((r) => r.url().endsWith(`/my/api/messages/${message!.id}/audio`));
    await items.first().getByRole('button', { name: /^Play/ }).click();
    const answer = await audioAnswer;
    expect(answer.status()).toBe(200);
    expect(answer.headers()['content-type']).toBe('audio/wav');
    // The audio element loaded the stream: it knows the recording's length.
    await untilInPage(page, "(() => { const a = document.querySelector('#new-messages audio'); return a !== null && a.readyState >= 1 && a.duration > 0; })()");
    const duration = (await page.evaluate("document.querySelector('#new-messages audio').duration")) as number;
    // The stream is the recording itself: its length is the message's (stored in whole seconds).
    expect(Math.abs(duration - message!.durationSec)).toBeLessThanOrEqual(1);

    await items.first().getByRole('button', { name: /^Delete/ }).click();
    await page.locator('#status', { hasText: 'Message deleted.' }).waitFor();
    await untilInPage(page, "document.querySelectorAll('#new-messages li.message').length === 1");
    await page.close();
    expect(h.double.storedRecordings().has(`voice-portal/vm/${u.id}/${message!.id}`)).toBe(false);
    expect(h.double.mailboxes().get(`${u.extension}@voice-portal`)).toEqual({ oldMessages: 0, newMessages: 1 });

    const after = await portalCall(u, OLD_PIN);
    expect(heard(after).slice(0, 7)).toEqual(['welcome', 'you-have', 'number:1', 'new-messages', 'and', 'number:0', 'saved-messages']);
  }, 90_000);

  test('French for a user of a French location; the page fits a phone screen', async () => {
    const u = await newUser({ locationId: 'lyon', name: 'Fanny Roux' });
    const page = await openPage(u.id, { width: 360, height: 740 });
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('h1').textContent()).toBe('Ma messagerie vocale');
    await page.getByLabel('Nouveau code secret', { exact: true }).pressSequentially('1111');
    await page.locator('#pin-reason', { hasText: 'le code secret est trop court' }).waitFor();
    // Nothing wider than the screen: no sideways scrolling on a phone.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await page.close();
  }, 30_000);
});

test('no PIN typed on the page is in a log line or the audit trail; page calls are audited as web:<user>', async () => {
  const logs = h.logs.join('\n');
  const audit = await h.admin.readAudit({ limit: 100_000 });
  expect(audit.some((e) => e.type === 'api-request' && e.actor.startsWith('web:') && e.detail === 'PUT /my/api/pin -> 200')).toBe(true);
  for (const pin of [NEW_PIN]) {
    expect(logs).not.toContain(pin);
    // Without each entry's id and time: clock readings in ms, whose digits can hold any PIN.
    expect(JSON.stringify(audit.map(({ id: _id, time: _time, ...entry }) => entry))).not.toContain(pin);
  }
});

/**
 * Polls `expression` in the page until it is true. Not page.waitForFunction: with a string it
 * polls through eval inside the page, which the page's Content-Security-Policy (no
 * 'unsafe-eval') refuses whenever the first check is not already true. page.evaluate is not
 * subject to it.
 */
async function untilInPage(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`not true in the page within ${timeoutMs} ms: ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
