// Sign-in (R-AUTH): Discord OAuth2, the sealed session cookie and its silent refresh, logout
// revocations, and the WebSocket's short tokens. The parts several instances share (the refresh
// claim, the revocations) each have their Redis version beside their interface.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { type DiscordOAuth, isOAuthFailure } from './discord-oauth.ts';
import { LoginError } from './login-failures.ts';
import { localRefreshCoordinator, type RefreshCoordinator } from './refresh-coordinator.ts';
import { safeReturnTo } from './return-to.ts';
import { type ReadSession, type Session, SessionCookies, type SessionMeta, newSessionMeta } from './session.ts';
import { MemorySessionRevocations, type SessionRevocations } from './session-revocations.ts';
import { MemorySiteUsers, type SiteUsers } from './site-users.ts';

/** The Discord lookups sign-in needs (implemented by the REST client; faked nowhere). */
export interface DiscordUserDirectory {
  /** `/users/@me` with the user's bearer token. */
  getCurrentUser(accessToken: string): Promise<{ id: string; username: string; globalName: string | null; avatar: string | null }>;
  /** Adds the user to the guild with their token (`guilds.join`) unless already a member. */
  ensureGuildMember(userId: string, accessToken: string): Promise<'added' | 'already-member'>;
}

export interface AuthServiceOptions {
  cookies: SessionCookies;
  oauth: DiscordOAuth;
  users: DiscordUserDirectory;
  log: Logger;
  now: () => number;
  /** Shares each refresh with the other instances (default: this process only). */
  refreshes?: RefreshCoordinator;
  /** Sign-ins ended by logout (default: this process only). */
  revocations?: SessionRevocations;
  /** Who has signed in, for the voice list's marks (default: this process only). */
  siteUsers?: SiteUsers;
}

/** Refresh this long before Discord's expiry, so a token never expires mid-request. */
export const REFRESH_MARGIN_MS = 60_000;
/**
 * How long a finished refresh is remembered under the old refresh token. Discord rotates refresh
 * tokens, so a request that still carries the old cookie (sent while the refresh was in flight)
 * must get the new session rather than spend the dead token.
 */
const REFRESH_RESULT_TTL_MS = 60_000;

export interface Authenticated {
  session: Session;
  /** Which sign-in this is, and when it ends. */
  meta: SessionMeta;
  /** Set when the session was refreshed: the response must carry it. */
  setCookie: string | undefined;
}

type RefreshOutcome = { ok: true; session: Session } | { ok: false; reason: 'rejected' | 'unreachable' };

export function loginUrl(returnTo: string): string {
  return `/auth/discord/login?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`;
}

export class AuthService {
  readonly cookies: SessionCookies;
  readonly #oauth: DiscordOAuth;
  readonly #users: DiscordUserDirectory;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #coordinator: RefreshCoordinator;
  readonly #revocations: SessionRevocations;
  readonly #siteUsers: SiteUsers;
  readonly #refreshes = new Map<string, { promise: Promise<RefreshOutcome>; settledAt?: number }>();

  constructor(options: AuthServiceOptions) {
    this.cookies = options.cookies;
    this.#oauth = options.oauth;
    this.#users = options.users;
    this.#log = options.log;
    this.#now = options.now;
    this.#coordinator = options.refreshes ?? localRefreshCoordinator;
    this.#revocations = options.revocations ?? new MemorySessionRevocations(options.now);
    this.#siteUsers = options.siteUsers ?? new MemorySiteUsers();
  }

  /** Step 1: redirect to Discord, remembering state, PKCE verifier and where to come back to. */
  async beginLogin(returnTo: string | null): Promise<{ location: string; setCookie: string }> {
    const { url, state, codeVerifier } = this.#oauth.begin();
    const setCookie = await this.cookies.loginCookie({ state, codeVerifier, returnTo: safeReturnTo(returnTo) }, this.#now());
    return { location: url.toString(), setCookie };
  }

  /** Step 2: Discord sent the user back. Every failure throws a LoginError and creates no session. */
  async completeLogin(url: URL, cookieHeader: string | null): Promise<{ location: string; setCookies: string[] }> {
    const now = this.#now();
    const login = await this.cookies.readLogin(cookieHeader, now);
    const clearLogin = this.cookies.clearLoginCookie();
    const error = url.searchParams.get('error');
    // The user pressed Cancel on Discord's page (access_denied), or Discord refused the request.
    if (error) throw new LoginError(error === 'access_denied' ? 'cancelled' : 'rejected');
    if (!login || !login.ok) throw new LoginError('expired');
    const state = url.searchParams.get('state');
    const code = url.searchParams.get('code');
    if (!state || state !== login.value.state) {
      this.#log.warn({ reason: 'state mismatch' }, 'sign-in rejected');
      throw new LoginError('mismatch');
    }
    if (!code) throw new LoginError('missing_code');

    const tokens = await this.#oauth.exchange(code, login.value.codeVerifier, now);
    if (isOAuthFailure(tokens)) {
      this.#log.warn({ failure: tokens }, 'code exchange failed');
      throw new LoginError(tokens.kind === 'unreachable' ? 'unreachable' : 'rejected');
    }

    const user = await this.#users.getCurrentUser(tokens.accessToken);
    const membership = await this.#users.ensureGuildMember(user.id, tokens.accessToken);
    await this.#siteUsers.remember(user.id);
    this.#log.info({ userId: user.id, membership }, 'signed in');

    const session: Session = {
      userId: user.id,
      username: user.username,
      globalName: user.globalName,
      avatar: user.avatar,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accessTokenExpiresAt: tokens.expiresAt,
    };
    return {
      location: login.value.returnTo,
      setCookies: [clearLogin, await this.cookies.sessionCookie(session, newSessionMeta(now), now)],
    };
  }

  /**
   * The one gate for everything that needs a user. Refreshes an expiring Discord token silently;
   * when that is impossible, throws 401 with a login URL that returns to `returnTo`.
   */
  async authenticate(cookieHeader: string | null, returnTo: string): Promise<Authenticated> {
    const now = this.#now();
    const read = await this.#readLive(cookieHeader, now);
    if (!read) {
      throw new AppError('unauthenticated', 'Please sign in with Discord.', { loginUrl: loginUrl(returnTo) });
    }
    const { session, meta } = read;
    if (session.accessTokenExpiresAt - REFRESH_MARGIN_MS > now) return { session, meta, setCookie: undefined };

    const outcome = await this.#refreshOnce(session);
    if (!outcome.ok && outcome.reason === 'unreachable') {
      // The session is still good; only Discord is away. Don't sign the user out for that.
      throw new AppError('upstream', 'Discord could not be reached to renew your sign-in. Please try again.', { retryable: true, retryAfterSeconds: 5 });
    }
    if (!outcome.ok) {
      throw new AppError('unauthenticated', 'Your Discord sign-in has expired. Please sign in again.', { loginUrl: loginUrl(returnTo) });
    }
    // The same sign-in, re-sealed with the new tokens: it still ends when it would have.
    return { session: outcome.session, meta, setCookie: await this.cookies.sessionCookie(outcome.session, meta, this.#now()) };
  }

  /**
   * Ends the sign-in the cookie belongs to: its id is revoked until the sign-in would have ended,
   * so every copy of the cookie (another tab, a stolen one) stops working here and on every
   * instance. Returns the Set-Cookie that clears it in this browser.
   */
  async logout(cookieHeader: string | null): Promise<string> {
    const read = await this.cookies.readSession(cookieHeader, this.#now());
    if (read?.ok) {
      await this.#revocations.revoke(read.value.meta.sid, read.value.meta.expiresAt);
      this.#log.info({ userId: read.value.session.userId }, 'signed out');
    }
    return this.cookies.clearSessionCookie();
  }

  /** A cookie that opens, is not expired, and whose sign-in was not ended by a logout. */
  async #readLive(cookieHeader: string | null, now: number): Promise<ReadSession | null> {
    const read = await this.cookies.readSession(cookieHeader, now);
    if (!read || !read.ok) return null;
    if (await this.#revocations.isRevoked(read.value.meta.sid)) return null;
    return read.value;
  }

  #refreshOnce(session: Session): Promise<RefreshOutcome> {
    const now = this.#now();
    for (const [token, entry] of this.#refreshes) {
      if (entry.settledAt !== undefined && now - entry.settledAt > REFRESH_RESULT_TTL_MS) this.#refreshes.delete(token);
    }
    const existing = this.#refreshes.get(session.refreshToken);
    if (existing) return existing.promise;

    const entry: { promise: Promise<RefreshOutcome>; settledAt?: number } = {
      promise: this.#refresh(session).then((outcome) => {
        entry.settledAt = this.#now();
        // A network failure spent nothing: let the next request try again at once.
        if (!outcome.ok && outcome.reason === 'unreachable') this.#refreshes.delete(session.refreshToken);
        return outcome;
      }),
    };
    this.#refreshes.set(session.refreshToken, entry);
    return entry.promise;
  }

  /** One refresh across the cluster: this instance spends the token, or takes the outcome another shared. */
  async #refresh(session: Session): Promise<RefreshOutcome> {
    let own: RefreshOutcome | undefined;
    const key = createHash('sha256').update(session.refreshToken).digest('base64url');
    const sealed = await this.#coordinator.run(key, async () => {
      own = await this.#refreshWithDiscord(session);
      // A network failure spent nothing: nothing to share, the next caller tries again.
      if (!own.ok && own.reason === 'unreachable') return null;
      return this.cookies.sealRefreshOutcome(own.ok ? { ok: true, session: own.session } : { ok: false }, this.#now());
    });
    if (own) return own;
    const shared = sealed === null ? null : await this.cookies.openRefreshOutcome(sealed, this.#now());
    // Nothing shared in time (the other instance is slow, or could not reach Discord): retryable.
    if (!shared) return { ok: false, reason: 'unreachable' };
    if (!shared.ok) return { ok: false, reason: 'rejected' };
    if (shared.session.userId !== session.userId) {
      this.#log.error({ userId: session.userId }, 'a shared token refresh belongs to another user; ignoring it');
      return { ok: false, reason: 'unreachable' };
    }
    this.#log.debug({ userId: session.userId }, 'access token refreshed by another instance');
    return { ok: true, session: shared.session };
  }

  async #refreshWithDiscord(session: Session): Promise<RefreshOutcome> {
    const tokens = await this.#oauth.refresh(session.refreshToken, this.#now());
    if (isOAuthFailure(tokens)) {
      this.#log.info({ userId: session.userId, failure: tokens }, 'token refresh failed');
      return { ok: false, reason: tokens.kind };
    }
    this.#log.debug({ userId: session.userId }, 'access token refreshed');
    return {
      ok: true,
      session: { ...session, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, accessTokenExpiresAt: tokens.expiresAt },
    };
  }
}
