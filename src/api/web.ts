/**
 * The "My voicemail" page (issue #15): `/my/` for end users, behind the organisation's SSO
 * proxy (web-auth.ts), in English and French. The HTML is rendered here with the user's
 * words and a CSRF token; `web/app.js` fetches the state and drives the actions through the
 * `/my/api/…` endpoints, which call the same SelfService as the integration API. Every
 * `/my/api` call is audited like an API call, with `web:<userId>` as the actor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedFolder } from '../package-files';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config';
import type { Logger } from '../log';
import type { User } from '../store';
import { problems } from './problems';
import type { RateLimiter } from './rate-limit';
import type { RouteResult } from './routes';
import * as s from './schemas';
import { factsOf, sendProblem, sendResult } from './http-helpers';
import type { SelfService, SelfServiceDeps } from './service';
import { WebAuth } from './web-auth';
import { PAGE_LANGUAGES, pageStrings, reasonTexts, type PageLanguage, type StringKey } from './web-strings';

export const WEB_PREFIX = '/my';

interface WebContext {
  service: SelfService;
  deps: SelfServiceDeps;
  config: ApiConfig;
  limiter: RateLimiter;
  now: () => number;
  log: Logger;
}

/** `web/` beside this module (ts-jest, and dist/ after `npm run copy-web`), else in src/. */
function assetDirectory(): string {
  return shippedFolder({ beside: join(__dirname, 'web'), inSource: ['src', 'api', 'web'], probe: 'app.js', what: 'api: page assets', copyScript: 'copy-web' });
}

const ASSETS: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'style.css': 'text/css; charset=utf-8' };

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** JSON inside <script>: no `</script>` or `<!--` can close it. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

async function pageLanguage(service: SelfServiceDeps, user: User, asked: string | undefined): Promise<PageLanguage> {
  if (asked === 'en' || asked === 'fr') return asked;
  const own = user.language ?? (await service.store.getLocation(user.locationId))?.language ?? 'en';
  const base = own.split('-')[0] as string;
  return (PAGE_LANGUAGES as readonly string[]).includes(base) ? (base as PageLanguage) : 'en';
}

function renderPage(lang: PageLanguage, user: User, csrf: string, policy: { minLength: number; maxLength: number }, timeZone: string): string {
  const t = pageStrings(lang);
  const w = (key: StringKey): string => escapeHtml(t[key]);
  const other: PageLanguage = lang === 'fr' ? 'en' : 'fr';
  const who = escapeHtml(user.displayName ?? user.id);
  const hint = escapeHtml(t.pinHint.replace('{min}', String(policy.minLength)).replace('{max}', String(policy.maxLength)));
  const boot = { lang, strings: t, reasons: reasonTexts(lang), policy, timeZone };
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escapeHtml(csrf)}">
<meta name="referrer" content="no-referrer">
<title>${w('title')}</title>
<link rel="stylesheet" href="${WEB_PREFIX}/assets/style.css">
</head>
<body>
<a class="skip" href="#main">${lang === 'fr' ? 'Aller au contenu' : 'Skip to content'}</a>
<header class="top">
  <h1>${w('title')}</h1>
  <p class="who">${w('signedInAs')} <strong>${who}</strong> · ${w('extension')} <strong>${escapeHtml(user.extension)}</strong></p>
  <p class="lang"><a href="${WEB_PREFIX}/?lang=${other}" lang="${other}" hreflang="${other}">${w('language')}</a></p>
</header>
<main id="main">
  <div id="locked" class="banner" role="alert" hidden>
    <h2>${w('lockedTitle')}</h2>
    <p>${w('lockedText')}</p>
  </div>
  <p id="status" class="status" role="status" aria-live="polite"></p>
  <section id="messages-section" aria-labelledby="messages-title">
    <h2 id="messages-title">${w('messages')}</h2>
    <h3>${w('newMessages')}</h3>
    <ul id="new-messages" class="messages"><li>${w('loading')}</li></ul>
    <h3>${w('savedMessages')}</h3>
    <ul id="saved-messages" class="messages"></ul>
  </section>
  <section aria-labelledby="greetings-title">
    <h2 id="greetings-title">${w('greetings')}</h2>
    <ul id="greetings" class="greetings"></ul>
  </section>
  <section aria-labelledby="name-title">
    <h2 id="name-title">${w('name')}</h2>
    <p id="name-state"></p>
  </section>
  <section id="pin-section" aria-labelledby="pin-title">
    <h2 id="pin-title" data-normal="${w('changePin')}" data-locked="${w('newPinTitle')}">${w('changePin')}</h2>
    <form id="pin-form" novalidate>
      <p id="pin-hint" class="hint">${hint}</p>
      <label for="new-pin">${w('newPin')}</label>
      <input id="new-pin" name="new-pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength="64" aria-describedby="pin-hint pin-reason" required>
      <label for="confirm-pin">${w('confirmPin')}</label>
      <input id="confirm-pin" name="confirm-pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength="64" aria-describedby="pin-reason" required>
      <p id="pin-reason" class="reason" aria-live="polite"></p>
      <button id="pin-submit" type="submit">${w('setPin')}</button>
    </form>
  </section>
</main>
<script id="boot" type="application/json">${scriptJson(boot)}</script>
<script src="${WEB_PREFIX}/assets/app.js" defer></script>
</body>
</html>
`;
}

export function registerWebPage(app: FastifyInstance, ctx: WebContext): void {
  const dir = assetDirectory();
  const assets = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(join(dir, name)) }]));
  const auth = new WebAuth(ctx.deps.store, ctx.config.webAuthHeader, ctx.config.webTrustedProxies, ctx.config.webCsrfSecret, ctx.now);
  const signedIn = new WeakMap<FastifyRequest, User>();
  const userOf = (request: FastifyRequest): User => signedIn.get(request) as User;

  /** Proxy + header → user; limits; CSRF for state changes. Errors become problems. */
  const gate = (kind: 'page' | 'read' | 'change' | 'check') => async (request: FastifyRequest) => {
    if (kind !== 'page') factsOf(request).audited = true;
    const user = await auth.userOf(request.socket.remoteAddress, request.headers);
    signedIn.set(request, user);
    const f = factsOf(request);
    f.actor = `web:${user.id}`;
    f.userId = user.id;
    // The as-you-type check has its own, wider window: it must not eat the user's budget.
    const key = kind === 'check' ? `web-check:${user.id}` : `web:${user.id}`;
    const limit = kind === 'check' ? ctx.config.userRatePerMinute * 5 : ctx.config.tokenRatePerMinute;
    const mine = ctx.limiter.take(key, limit);
    if (!mine.allowed) throw problems.rateLimited(mine.retryAfterSec, 'from this page');
    if (kind === 'read' || kind === 'change') {
      const theirs = ctx.limiter.take(`user:${user.id}`, ctx.config.userRatePerMinute);
      if (!theirs.allowed) throw problems.rateLimited(theirs.retryAfterSec, 'about this user');
    }
    if (kind === 'change' || kind === 'check') auth.checkStateChange(user.id, request.headers);
  };

  const handle = (fn: (user: User, request: FastifyRequest) => Promise<RouteResult>) => async (request: FastifyRequest, reply: FastifyReply) =>
    sendResult(reply, await fn(userOf(request), request));
  const json = (value: unknown): RouteResult => ({ status: 200, json: value });
  const actorOf = (user: User): string => `web:${user.id}`;
  const params = (request: FastifyRequest): Record<string, string> => request.params as Record<string, string>;

  app.get(`${WEB_PREFIX}`, async (_request, reply) => reply.redirect(`${WEB_PREFIX}/`, 302));

  app.get(
    `${WEB_PREFIX}/`,
    {
      schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['en', 'fr'] } }, additionalProperties: false } },
      onRequest: gate('page'),
    },
    async (request, reply) => {
      const user = userOf(request);
      const lang = await pageLanguage(ctx.deps, user, (request.query as { lang?: string }).lang);
      const policy = await ctx.deps.store.getPolicy();
      // Times as the portal speaks them: in the user's location's time zone.
      const timeZone = (await ctx.deps.store.getLocation(user.locationId))?.timeZone ?? 'UTC';
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-frame-options', 'DENY')
        .header('content-security-policy', "default-src 'self'; media-src 'self'; img-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        .header('x-content-type-options', 'nosniff');
      return reply.send(renderPage(lang, user, auth.csrfToken(user.id), { minLength: policy.minLength, maxLength: policy.maxLength }, timeZone));
    },
  );

  app.get(`${WEB_PREFIX}/assets/:name`, async (request, reply) => {
    const asset = assets.get(params(request).name ?? '');
    if (!asset) return sendProblem(reply, request, problems.notFound('no such asset'));
    return reply.header('content-type', asset.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(asset.body);
  });

  const api = `${WEB_PREFIX}/api`;
  app.get(
    `${api}/state`,
    { onRequest: gate('read') },
    handle(async (user) => {
      const [view, messages, greetings] = await Promise.all([ctx.service.userView(user.id), ctx.service.listMessages(user.id), ctx.service.greetings(user.id)]);
      return json({ user: view, messages, greetings });
    }),
  );
  app.post(`${api}/pin-check`, { schema: { body: s.pinBody }, onRequest: gate('check') }, handle(async (user, request) => json(await ctx.service.checkPin(user.id, (request.body as { pin: string }).pin))));
  app.put(
    `${api}/pin`,
    { schema: { body: s.pinBody }, onRequest: gate('change') },
    handle(async (user, request) => json(await ctx.service.setPin(user.id, (request.body as { pin: string }).pin, actorOf(user)))),
  );
  const messageOnly = { type: 'object', properties: { messageId: { type: 'string', pattern: s.MESSAGE_ID_PATTERN } }, required: ['messageId'], additionalProperties: false };
  const kindOnly = { type: 'object', properties: { kind: { type: 'string', enum: ['busy', 'unavailable'] } }, required: ['kind'], additionalProperties: false };
  app.get(
    `${api}/messages/:messageId/audio`,
    { schema: { params: messageOnly }, onRequest: gate('read') },
    handle(async (user, request) => ({ status: 200, audio: await ctx.service.openMessageAudio(user.id, params(request).messageId as string) })),
  );
  app.post(
    `${api}/messages/:messageId/save`,
    { schema: { params: messageOnly }, onRequest: gate('change') },
    handle(async (user, request) => json(await ctx.service.saveMessage(user.id, params(request).messageId as string))),
  );
  app.delete(
    `${api}/messages/:messageId`,
    { schema: { params: messageOnly }, onRequest: gate('change') },
    handle(async (user, request) => {
      await ctx.service.deleteMessage(user.id, params(request).messageId as string);
      return { status: 204 };
    }),
  );
  app.get(
    `${api}/greetings/:kind/audio`,
    { schema: { params: kindOnly }, onRequest: gate('read') },
    handle(async (user, request) => ({ status: 200, audio: await ctx.service.openGreetingAudio(user.id, params(request).kind as 'busy' | 'unavailable') })),
  );
  app.delete(
    `${api}/greetings/:kind`,
    { schema: { params: kindOnly }, onRequest: gate('change') },
    handle(async (user, request) => {
      await ctx.service.restoreDefaultGreeting(user.id, params(request).kind as 'busy' | 'unavailable', actorOf(user));
      return { status: 204 };
    }),
  );
}
