/**
 * Integration tokens of the self-service HTTP API (issue #15): the organisation's own systems
 * (its user portal, its help desk) call the API with `Authorization: Bearer <token>`.
 *
 * A token is 32 random bytes, shown once by `voice-portal-admin token create`; Redis keeps
 * only its SHA-256 (a slow hash would protect nothing more: the token is not guessable, and
 * every API request must look it up quickly). Records live in one hash (`apiTokensKey`):
 * `n:<name>` → JSON {hash, scope, createdAt}, `h:<sha256>` → name; create and revoke are one
 * script each, so the two fields never disagree.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StoreContext } from './context';
import { Conflict, InvalidInput, NotFound } from './errors';
import { apiTokensKey, isValidId } from './keys';
import { replyNumber } from './scripts';
import type { Actor, ApiToken, TokenScope } from './types';

/** Every token starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'vpt_';

export const TOKEN_SCOPES: readonly TokenScope[] = ['self-service', 'admin'];

interface StoredToken {
  hash: string;
  scope: TokenScope;
  createdAt: number;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function parseRecord(name: string, raw: string | null | undefined): (ApiToken & { hash: string }) | null {
  if (!raw) return null;
  try {
    const record = JSON.parse(raw) as Partial<StoredToken>;
    if (typeof record.hash !== 'string' || !TOKEN_SCOPES.includes(record.scope as TokenScope)) return null;
    return { name, scope: record.scope as TokenScope, createdAt: Number(record.createdAt ?? 0), hash: record.hash };
  } catch {
    return null;
  }
}

function requireTokenName(name: string): string {
  if (!isValidId(name)) throw new InvalidInput("token name must be 1-64 letters, digits, '_', '.' or '-'");
  return name;
}

/** A new token; the returned `token` is the only copy there will ever be. */
export async function createApiToken(ctx: StoreContext, name: string, scope: TokenScope, actor: Actor): Promise<ApiToken & { token: string }> {
  requireTokenName(name);
  if (!TOKEN_SCOPES.includes(scope)) throw new InvalidInput(`scope must be one of ${TOKEN_SCOPES.join(', ')}`);
  await ctx.ensurePepper();
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const hash = tokenHash(token);
  const createdAt = ctx.now();
  const record: StoredToken = { hash, scope, createdAt };
  if (replyNumber(await ctx.scripts.run('token_create', [apiTokensKey], [name, hash, JSON.stringify(record)])) !== 1) {
    throw new Conflict(`a token named ${name} already exists (revoke it first)`);
  }
  await ctx.record({ type: 'token-created', actor, outcome: 'ok', detail: `${name} (${scope})` });
  return { name, scope, createdAt, token };
}

export async function listApiTokens(ctx: StoreContext): Promise<ApiToken[]> {
  const all = await ctx.redis.hgetall(apiTokensKey);
  const tokens: ApiToken[] = [];
  for (const [field, value] of Object.entries(all)) {
    if (!field.startsWith('n:')) continue;
    const parsed = parseRecord(field.slice(2), value);
    if (parsed) tokens.push({ name: parsed.name, scope: parsed.scope, createdAt: parsed.createdAt });
  }
  return tokens.sort((a, b) => a.name.localeCompare(b.name));
}

export async function revokeApiToken(ctx: StoreContext, name: string, actor: Actor): Promise<void> {
  requireTokenName(name);
  await ctx.ensurePepper();
  for (let round = 0; round < 3; round++) {
    const record = parseRecord(name, await ctx.redis.hget(apiTokensKey, `n:${name}`));
    if (!record) throw new NotFound(`no token named ${name}`);
    const result = replyNumber(await ctx.scripts.run('token_revoke', [apiTokensKey], [name, record.hash]));
    if (result === 0) throw new NotFound(`no token named ${name}`);
    if (result === 1) {
      await ctx.record({ type: 'token-revoked', actor, outcome: 'ok', detail: name });
      return;
    }
  }
  throw new Conflict(`token ${name} kept changing; try again`);
}

/** The token presented in a request, if it is one we issued and have not revoked. */
export async function findApiToken(ctx: StoreContext, token: string): Promise<ApiToken | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const hash = tokenHash(token);
  const name = await ctx.redis.hget(apiTokensKey, `h:${hash}`);
  if (!name) return null;
  const record = parseRecord(name, await ctx.redis.hget(apiTokensKey, `n:${name}`));
  // The name's record must hold this very hash (a revoke racing this read leaves nothing valid).
  if (!record || record.hash !== hash) return null;
  return { name: record.name, scope: record.scope, createdAt: record.createdAt };
}
