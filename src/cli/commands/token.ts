/**
 * `token create | list | revoke`: integration tokens of the self-service HTTP API (issue #15).
 *
 * `token create` prints the token once, to stdout (with --json: `{"token": …, "name": …,
 * "scope": …, "createdAt": …}`); Redis keeps only its SHA-256, so a lost token is revoked and
 * created again, never shown again.
 */
import { Option, type Command } from 'commander';
import { TOKEN_SCOPES, type ApiToken, type TokenScope } from '../../store';
import { formatTable, humanTime, iso, printJson, printLine } from '../output';
import type { Session } from '../session';
import { group, withExample } from './shared';

function tokenJson(t: ApiToken): { name: string; scope: TokenScope; createdAt: string | null } {
  return { name: t.name, scope: t.scope, createdAt: iso(t.createdAt) };
}

export function registerToken(program: Command, session: Session): void {
  const cmd = group(program, 'token', 'integration tokens of the self-service HTTP API (Authorization: Bearer)');
  withExample(cmd, 'voice-portal-admin token create intranet --scope self-service');

  withExample(
    cmd
      .command('create')
      .description('create a token and print it once (only its hash is stored)')
      .argument('<name>', 'a name for the system that will use it (letters, digits, _ . -); audited as the actor of its calls')
      .addOption(new Option('--scope <scope>', 'self-service: users\' own settings; admin: also unlock and reset').choices([...TOKEN_SCOPES]).makeOptionMandatory())
      .action(async (name: string, options: { scope: TokenScope }) => {
        const created = await (await session.writableStore()).createApiToken(name, options.scope, session.actor);
        if (session.json) {
          printJson(session.out, { token: created.token, ...tokenJson(created) });
          return;
        }
        printLine(session.out, `Token ${name} (${created.scope}): ${created.token}`);
        printLine(session.out, '(shown only this once: store it in the calling system\'s secrets now)');
      }),
    'voice-portal-admin token create intranet --scope self-service',
    'voice-portal-admin token create helpdesk --scope admin --json',
  );

  withExample(
    cmd
      .command('list')
      .description('list tokens (names, scopes, creation times; never the tokens)')
      .action(async () => {
        const tokens = await (await session.store()).listApiTokens();
        if (session.json) {
          printJson(session.out, { tokens: tokens.map(tokenJson) });
          return;
        }
        printLine(session.out, formatTable(['NAME', 'SCOPE', 'CREATED'], tokens.map((t) => [t.name, t.scope, humanTime(t.createdAt)])));
      }),
    'voice-portal-admin token list',
  );

  withExample(
    cmd
      .command('revoke')
      .description('revoke a token: its next request is refused (401)')
      .argument('<name>', 'token name')
      .action(async (name: string) => {
        await (await session.writableStore()).revokeApiToken(name, session.actor);
        if (session.json) printJson(session.out, { name, revoked: true });
        else printLine(session.out, `Token ${name} revoked.`);
      }),
    'voice-portal-admin token revoke intranet',
  );
}
