/**
 * The OpenAPI 3.1 document of `/api/v1`, built from the route table (routes.ts) and the
 * schemas (schemas.ts): served at `/api/v1/openapi.json` and kept in the repository as
 * `docs/openapi.json` (`npm run openapi` writes it; a test fails when it is out of date).
 */
import { API_ROUTES, type ApiRoute } from './routes';
import { problem } from './schemas';

const COMMON_ERRORS: Record<number, string> = {
  400: 'Invalid input (schema validation), or a query string (this API takes none)',
  401: 'No token, or an unknown or revoked one',
  403: "The token's scope does not allow this operation",
  404: 'No such user, message or recording',
  429: 'Rate limit of the token or of the user reached (Retry-After)',
  503: 'Redis (or, for audio and greetings, Asterisk) cannot be reached (Retry-After)',
};
const EXTRA_ERRORS: Record<number, string> = {
  413: 'Body too large',
  415: 'Body is not application/json',
  422: 'PIN rejected by the PIN policy (reason, reasonText: as the CLI)',
};

function parameters(route: ApiRoute): object[] {
  const props = (route.params.properties ?? {}) as Record<string, { description?: string } & Record<string, unknown>>;
  return Object.entries(props).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: 'path', required: true, description, schema: rest };
  });
}

function responses(route: ApiRoute): Record<string, object> {
  const out: Record<string, object> = {};
  if (route.response === 204) out['204'] = { description: 'Done' };
  else if (route.response === 'audio') out['200'] = { description: 'The audio', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } };
  else out['200'] = { description: 'OK', content: { 'application/json': { schema: route.response } } };
  const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  for (const [status, description] of Object.entries({ ...COMMON_ERRORS, ...Object.fromEntries((route.errors ?? []).map((s) => [s, EXTRA_ERRORS[s] ?? 'Error'])) })) {
    out[status] = { description, content: problemContent };
  }
  return out;
}

/** The API's own version (of /api/v1's contract), not the package's. */
export const API_VERSION = '1.0.0';

export function buildOpenApiDocument(version: string = API_VERSION): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of API_ROUTES) {
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      description: `Token scopes: ${route.scopes.join(', ')}.`,
      parameters: parameters(route),
      responses: responses(route),
    };
    if (route.body) operation.requestBody = { required: true, content: { 'application/json': { schema: route.body } } };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'voice-portal self-service API',
      version,
      description:
        'Self-service operations on voice portal users for the organisation\'s own systems. Authenticate with `Authorization: Bearer <token>` ' +
        '(`voice-portal-admin token create <name> --scope self-service|admin`). Every call is audited with the token\'s name as the actor. ' +
        'No PIN is ever accepted in a URL nor returned in a response. Errors are RFC 9457 problem documents.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an integration token (vpt_…)' } },
      schemas: { Problem: problem },
    },
    paths,
  };
}
