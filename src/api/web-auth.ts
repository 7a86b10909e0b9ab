/**
 * Who is signed in to the "My voicemail" page: the organisation's SSO reverse proxy
 * (oauth2-proxy, Authelia, …) authenticates the person and names them in a header
 * (WEB_AUTH_HEADER). That header is believed only on connections from the proxies' own
 * addresses (WEB_TRUSTED_PROXIES); from anywhere else anybody could send it.
 *
 * The name is a user id, or an e-mail address (`user set --email`), which is looked up
 * (store.findUserByEmail) and remembered for a short while.
 *
 * CSRF: every state change must carry `X-CSRF-Token`, an HMAC of the user id and the time it
 * was issued (embedded in the page), and must not come from another site (Sec-Fetch-Site).
 * Cross-site forms cannot set that header, and the endpoints take JSON only.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Store, User } from '../store';
import { problems } from './problems';

/** How long an e-mail → user answer is reused (a changed e-mail takes effect within this). */
const LOOKUP_CACHE_MS = 30_000;
/** A page left open longer than this must be reloaded to change anything. */
export const CSRF_TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) → `127.0.0.1`. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address.toLowerCase();
}

export class WebAuth {
  private readonly trusted: ReadonlySet<string>;
  private readonly secret: Buffer;
  private readonly cache = new Map<string, { userId: string | null; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly header: string,
    trustedProxies: readonly string[],
    secret: string | undefined,
    private readonly now: () => number,
  ) {
    this.trusted = new Set(trustedProxies.filter((a) => isIP(a) !== 0).map(normaliseAddress));
    this.secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  /** The signed-in user, or a 403 problem. */
  async userOf(remoteAddress: string | undefined, headers: Record<string, string | string[] | undefined>): Promise<User> {
    if (!this.trusted.has(normaliseAddress(remoteAddress))) {
      throw problems.forbidden('this page is served only through the single sign-on proxy');
    }
    const raw = headers[this.header];
    const name = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
    if (name === '' || name.length > 254) throw problems.forbidden('the single sign-on proxy did not say who is signed in');
    const user = await this.lookup(name);
    if (!user) throw problems.forbidden('your account has no voice mailbox (ask your administrator to set your e-mail on your voice portal user)');
    return user;
  }

  private async lookup(name: string): Promise<User | null> {
    const key = name.toLowerCase();
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.at < LOOKUP_CACHE_MS) return cached.userId ? this.store.getUser(cached.userId) : null;
    let user: User | null = null;
    if (name.includes('@')) user = await this.store.findUserByEmail(key);
    else if (/^[A-Za-z0-9_.-]{1,64}$/.test(name)) user = await this.store.getUser(name);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { userId: user?.id ?? null, at: this.now() });
    return user;
  }

  private mac(userId: string, issuedAt: number): string {
    return createHmac('sha256', this.secret).update(`csrf:${userId}:${issuedAt}`).digest('base64url');
  }

  csrfToken(userId: string): string {
    const issuedAt = this.now();
    return `${issuedAt}.${this.mac(userId, issuedAt)}`;
  }

  /** Throws a 403 problem unless the request may change state for this user. */
  checkStateChange(userId: string, headers: Record<string, string | string[] | undefined>): void {
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') throw problems.forbidden('cross-site request refused');
    const token = headers['x-csrf-token'];
    const value = Array.isArray(token) ? token[0] : token;
    const match = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
    if (!match) throw problems.forbidden('missing or malformed CSRF token (reload the page)');
    const issuedAt = Number(match[1]);
    const expected = Buffer.from(this.mac(userId, issuedAt));
    const given = Buffer.from(match[2] as string);
    const fresh = this.now() - issuedAt < CSRF_TOKEN_LIFETIME_MS && issuedAt <= this.now() + 60_000;
    if (!fresh || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw problems.forbidden('invalid or expired CSRF token (reload the page)');
    }
  }
}
