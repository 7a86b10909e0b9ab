/**
 * The self-service HTTP server (issue #15), on its own port (API_PORT, API_HOST):
 * - `/api/v1/…`: the integration API (routes.ts), `Authorization: Bearer <token>`, scopes;
 * - `/api/v1/openapi.json`: its OpenAPI document (no token needed);
 * - `/my/…`: the "My voicemail" page for end users behind the SSO proxy (web.ts).
 *
 * Built on fastify: every route's params and body are validated against its JSON schema
 * (additional properties refused, no type coercion), bodies are JSON only and small. Every
 * error is an RFC 9457 problem document. Every call is audited (`api-request`, the token's
 * name as the actor) and logged as one line that names the route pattern, never the URL as
 * sent (a query string could hold anything) and never a body (a body may hold a PIN).
 */
import { fastify, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { ApiConfig } from '../config';
import type { ApiToken } from '../store';
import { buildOpenApiDocument } from './openapi';
import { factsOf, routePattern, sendProblem, sendResult } from './http-helpers';
import { Problem, problems, toProblem } from './problems';
import { RateLimiter } from './rate-limit';
import { API_ROUTES, fastifyPath, type ApiRoute } from './routes';
import { ID_PATTERN } from './schemas';
import { SelfService, type SelfServiceDeps } from './service';
import { registerWebPage } from './web';

export const API_PREFIX = '/api/v1';
/** Bodies are `{"pin": "…"}` at most. */
const BODY_LIMIT_BYTES = 1024;

const validId = (value: unknown): value is string => typeof value === 'string' && new RegExp(ID_PATTERN).test(value);

export type ApiLimits = Pick<ApiConfig, 'tokenRatePerMinute' | 'userRatePerMinute'>;

export interface ApiServerOptions {
  deps: SelfServiceDeps;
  config: ApiConfig;
  /** The clock of the rate limits and CSRF tokens (tests move it). */
  now?: () => number;
  /** Shown in the OpenAPI document. */
  version?: string;
}

export interface ApiServer {
  /** The port actually listened on (useful with port 0). */
  readonly port: number;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** A fastify error (validation, body parsing) as a problem; anything else through toProblem. */
function problemOfError(err: FastifyError): Problem {
  if (err.validation) {
    const errors = err.validation.map((v) => `${err.validationContext ?? ''}${v.instancePath} ${v.message ?? 'is invalid'}`.trim());
    return problems.badRequest('the request does not match the schema', errors);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problems.tooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problems.unsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problems.badRequest('the body is empty or malformed');
    default:
      if (err.statusCode === 400) return problems.badRequest('the body is not valid JSON');
      return toProblem(err);
  }
}

export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const { deps, config } = options;
  const now = options.now ?? Date.now;
  const service = new SelfService(deps);
  const limiter = new RateLimiter(now);
  const log = deps.logger.child({ component: 'api' });
  const app = fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // A PIN typed with a leading 0 must stay a string, and unknown fields are refused, not dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    return503OnClosing: true,
  });
  // JSON only: a text/plain PIN would otherwise reach the handler as a string.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = problemOfError(err);
    if (problem.status >= 500) log.error('api request failed', { route: routePattern(request), error: err.message, code: err.code });
    return sendProblem(reply, request, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, problems.notFound('no such resource')));

  /** The limits: the caller's window, then the user's. */
  const checkLimits = (callerKey: string, userId: unknown): void => {
    const caller = limiter.take(callerKey, config.tokenRatePerMinute);
    if (!caller.allowed) throw problems.rateLimited(caller.retryAfterSec, 'for this token');
    if (validId(userId)) {
      const user = limiter.take(`user:${userId}`, config.userRatePerMinute);
      if (!user.allowed) throw problems.rateLimited(user.retryAfterSec, 'about this user');
    }
  };

  const authenticate = async (request: FastifyRequest, route: ApiRoute): Promise<ApiToken> => {
    // No operation takes a query string: refusing them keeps a PIN from ever riding in a URL.
    if (request.url.includes('?')) throw problems.badRequest('this API takes no query parameters (a PIN goes in the JSON body only)');
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
    if (!match) {
      const ip = limiter.take(`ip:${request.ip}`, config.tokenRatePerMinute);
      if (!ip.allowed) throw problems.rateLimited(ip.retryAfterSec, 'from this address');
      throw problems.unauthorized('send Authorization: Bearer <token>');
    }
    const token = await deps.store.findApiToken(match[1] as string);
    if (!token) {
      const ip = limiter.take(`ip:${request.ip}`, config.tokenRatePerMinute);
      if (!ip.allowed) throw problems.rateLimited(ip.retryAfterSec, 'from this address');
      throw problems.unauthorized('unknown or revoked token');
    }
    factsOf(request).actor = `token:${token.name}`;
    checkLimits(`token:${token.name}`, (request.params as Record<string, unknown>).userId);
    if (!route.scopes.includes(token.scope)) throw problems.forbidden(`a ${token.scope} token may not call ${route.operationId} (needs ${route.scopes.join(' or ')})`);
    return token;
  };

  app.get(`${API_PREFIX}/openapi.json`, async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return reply.send(buildOpenApiDocument(options.version));
  });

  for (const route of API_ROUTES) {
    app.route({
      method: route.method,
      url: `${API_PREFIX}${fastifyPath(route.path)}`,
      schema: { params: route.params, ...(route.body ? { body: route.body } : {}) },
      onRequest: async (request) => {
        const f = factsOf(request);
        f.audited = true;
        const userId = (request.params as Record<string, unknown>).userId;
        if (validId(userId)) f.userId = userId;
        await authenticate(request, route);
      },
      handler: async (request, reply) => {
        const result = await route.handle({
          service,
          actor: factsOf(request).actor as string,
          params: request.params as Record<string, string>,
          body: request.body,
        });
        return sendResult(reply, result);
      },
    });
  }

  registerWebPage(app, { service, deps, config, limiter, now, log });

  // A known path with another method: 405 and Allow, rather than "no such resource".
  const byPath = new Map<string, string[]>();
  for (const route of API_ROUTES) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route.method]);
  for (const [path, methods] of byPath) {
    const others = (['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const).filter((m) => !methods.includes(m));
    app.route({
      method: others,
      url: `${API_PREFIX}${fastifyPath(path)}`,
      handler: async (request, reply) => {
        factsOf(request).audited = true;
        reply.header('allow', methods.join(', '));
        return sendProblem(reply, request, problems.methodNotAllowed(`allowed: ${methods.join(', ')}`));
      },
    });
  }

  app.addHook('onResponse', async (request, reply) => {
    const f = factsOf(request);
    if (!f.audited) return;
    const actor = f.actor ?? 'api:unauthenticated';
    const detail = `${request.method} ${routePattern(request)} -> ${reply.statusCode}`;
    log.info('api request', { method: request.method, route: routePattern(request), status: reply.statusCode, actor, ms: Math.round(reply.elapsedTime) });
    try {
      await deps.store.recordApiRequest({ actor, ...(f.userId ? { userId: f.userId } : {}), outcome: String(reply.statusCode), detail });
    } catch (err) {
      log.warn('api request not audited (Redis unavailable?)', { route: routePattern(request), actor, error: (err as Error).message });
    }
  });

  return app;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = buildApiServer(options);
  await app.listen({ port: options.config.port ?? 0, host: options.config.host });
  const port = (app.server.address() as AddressInfo).port;
  return { port, app, close: () => app.close() };
}
