import { createHash } from 'node:crypto';
import type {
  APIApplication,
  APIUser,
  RESTAPIPartialCurrentUserGuild,
  RESTGetAPIOAuth2CurrentAuthorizationResult,
} from 'discord-api-types/v10';
import { unauthorized } from '../../errors.ts';
import type { EmulatorState } from '../../state.ts';
import { route, type RequestAuth } from '../route-table.ts';
import { listMyGuildsQuery } from '../schemas.ts';
import { parseBody } from '../validation.ts';

/** Numeric order of decimal snowflakes: shorter is smaller, then lexical. */
function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The current user (bot or OAuth user), other users, the current user's guilds and the application. */

function hasScope(auth: RequestAuth, scope: string): boolean {
  return auth.kind === 'bot' || auth.grant.scopes.includes(scope);
}

function currentUserId(state: EmulatorState, auth: RequestAuth): string {
  return auth.kind === 'bot' ? state.botUser().id : auth.grant.userId;
}

function currentUser(state: EmulatorState, auth: RequestAuth): APIUser {
  const user = state.user(currentUserId(state, auth));
  const extra: Partial<APIUser> = { mfa_enabled: false, locale: 'en-US', premium_type: 0 };
  if (auth.kind === 'bot') extra.verified = true;
  if (auth.kind === 'bearer' && auth.grant.scopes.includes('email')) {
    extra.email = `${user.username}@spell-rooms.test`;
    extra.verified = true;
  }
  return { ...user, ...extra };
}

/**
 * The application as its owner sees it (GET /applications/@me). Discord's OpenAPI description
 * requires the keys below, some of which discord-api-types does not type yet.
 */
type ApplicationPayload = APIApplication & {
  type: number | null;
  explicit_content_filter: number;
  eligible_oauth2_scopes: string[];
  approximate_user_authorization_count: number;
};

function applicationPayload(state: EmulatorState): ApplicationPayload {
  const app = state.application();
  const bot = state.botUser();
  return {
    id: app.id,
    name: bot.username,
    icon: null,
    description: 'Spell Rooms (Discord emulator)',
    summary: '',
    type: null,
    bot_public: false,
    bot_require_code_grant: false,
    bot,
    owner: state.user(app.ownerUserId),
    verify_key: createHash('sha256').update(`verify:${app.id}`).digest('hex'),
    team: null,
    flags: app.flags,
    flags_new: String(app.flags),
    approximate_guild_count: state.guildIds().length,
    approximate_user_install_count: 0,
    approximate_user_authorization_count: 0,
    redirect_uris: [],
    interactions_endpoint_url: null,
    role_connections_verification_url: null,
    explicit_content_filter: 0, // INHERIT
    eligible_oauth2_scopes: [],
  };
}

export const userRoutes = [
  route({
    method: 'GET',
    path: '/users/@me',
    auth: 'bot-or-bearer',
    handle: ({ state, auth }) => {
      if (!hasScope(auth, 'identify')) throw unauthorized();
      return { status: 200, body: currentUser(state, auth) };
    },
  }),
  route({
    method: 'GET',
    path: '/users/@me/guilds',
    auth: 'bot-or-bearer',
    handle: ({ state, auth, query }) => {
      if (!hasScope(auth, 'guilds')) throw unauthorized();
      const { limit, before, after, with_counts } = parseBody(listMyGuildsQuery, Object.fromEntries(query));
      const userId = currentUserId(state, auth);
      const guilds: RESTAPIPartialCurrentUserGuild[] = [];
      // Discord pages by guild id: ascending, after `after` / before `before`, at most `limit`.
      const ids = state.guildIds().filter((id) => state.isMember(id, userId)).sort(compareIds);
      const page = ids.filter((id) => (after === undefined || compareIds(id, after) > 0) && (before === undefined || compareIds(id, before) < 0));
      const chosen = after === undefined && before !== undefined ? page.slice(-limit) : page.slice(0, limit);
      for (const guildId of chosen) {
        const g = state.guild(guildId);
        const perms = state.memberPermissions(guildId, userId);
        guilds.push({
          id: g.id,
          name: g.name,
          icon: null,
          banner: null,
          owner: g.ownerId === userId,
          permissions: perms.toString(),
          features: [],
          ...(with_counts === 'true' ? { approximate_member_count: g.members.size, approximate_presence_count: 0 } : {}),
        });
      }
      return { status: 200, body: guilds };
    },
  }),
  route({
    method: 'GET',
    path: '/users/:userId',
    auth: 'bot',
    handle: ({ state, params }) => ({ status: 200, body: state.user(params.userId) }),
  }),
  route({
    method: 'GET',
    path: '/oauth2/@me',
    auth: 'bearer',
    handle: ({ state, auth }) => {
      if (auth.kind !== 'bearer') throw unauthorized();
      // A user sees the application's public face: no bot user, no owner, no private settings.
      const {
        bot: _bot,
        owner: _owner,
        redirect_uris: _redirectUris,
        interactions_endpoint_url: _interactions,
        role_connections_verification_url: _roleConnections,
        eligible_oauth2_scopes: _scopes,
        approximate_user_install_count: _installs,
        approximate_user_authorization_count: _authorizations,
        ...application
      } = applicationPayload(state);
      const body: RESTGetAPIOAuth2CurrentAuthorizationResult = {
        application,
        scopes: auth.grant.scopes as RESTGetAPIOAuth2CurrentAuthorizationResult['scopes'],
        expires: new Date(auth.grant.expiresAtMs).toISOString(),
        ...(auth.grant.scopes.includes('identify') ? { user: state.user(auth.grant.userId) } : {}),
      };
      return { status: 200, body };
    },
  }),
  route({
    method: 'GET',
    path: '/oauth2/applications/@me',
    auth: 'bot',
    handle: ({ state }) => ({ status: 200, body: applicationPayload(state) }),
  }),
  route({
    method: 'GET',
    path: '/applications/@me',
    auth: 'bot',
    handle: ({ state }) => ({ status: 200, body: applicationPayload(state) }),
  }),
];
