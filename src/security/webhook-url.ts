/**
 * The lockout webhook's URL: one validation for the application (src/config.ts) and the CLI
 * (src/cli/config.ts), and the only form of it that may be logged.
 *
 * - http: or https: only (no file:, data:, javascript:, ftp:…).
 * - No user name or password in it: URLs end up in logs, process listings and error reports;
 *   credentials go in LOCKOUT_WEBHOOK_TOKEN (an `Authorization: Bearer` header) instead.
 * - Logs name the scheme and host only (`https://alerts.example.com:8443`): the path and the
 *   query of a webhook URL are often a secret themselves (chat webhooks carry their token there).
 *
 * Pure; reasons never repeat the URL.
 */

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export function checkWebhookUrl(raw: string): WebhookUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a URL (want http:// or https://…)' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, reason: 'must start with http:// or https://' };
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'must not contain a user name or password (put the credential in LOCKOUT_WEBHOOK_TOKEN or LOCKOUT_WEBHOOK_TOKEN_FILE)' };
  }
  return { ok: true, url: parsed.href };
}

/** Scheme and host (with a port if any) of a URL: what logs may say about the webhook. */
export function webhookOrigin(url: string): string {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * A bearer token must be a single header value: visible ASCII without spaces (RFC 6750's
 * b64token is stricter; this only refuses what would break or inject a header).
 */
export function tokenProblem(token: string): string | null {
  if (token.length === 0) return 'is empty';
  if (!/^[\x21-\x7e]+$/.test(token)) return 'must be printable ASCII without spaces';
  return null;
}
