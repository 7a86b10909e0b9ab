/** Small pieces the API routes and the page routes share: request facts, problem and result replies. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, type Problem } from './problems';
import type { RouteResult } from './routes';

/** What the hooks learnt about a request, for the audit and the log line. */
export interface RequestFacts {
  actor?: string;
  userId?: string;
  /** Audited and logged (false for static assets and the OpenAPI document). */
  audited: boolean;
}

const facts = new WeakMap<FastifyRequest, RequestFacts>();

export function factsOf(request: FastifyRequest): RequestFacts {
  let f = facts.get(request);
  if (!f) {
    f = { audited: false };
    facts.set(request, f);
  }
  return f;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: Problem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply
    .status(problem.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(problem.document(routePattern(request))));
}

/** The route as registered (`/api/v1/users/:userId`), never the URL as sent. */
export function routePattern(request: FastifyRequest): string {
  return request.routeOptions.url ?? '(no route)';
}

export function sendResult(reply: FastifyReply, result: RouteResult): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (result.status === 204) return reply.status(204).send();
  if ('audio' in result) {
    reply.header('content-type', result.audio.contentType);
    if (result.audio.contentLength !== undefined) reply.header('content-length', String(result.audio.contentLength));
    return reply.status(200).send(result.audio.body);
  }
  return reply.status(200).send(result.json);
}

