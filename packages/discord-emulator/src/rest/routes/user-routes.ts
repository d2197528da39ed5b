import { createHash } from 'node:crypto';
import type {
  APIApplication,
  APIUser,
  RESTAPIPartialCurrentUserGuild,
  RESTGetAPIOAuth2CurrentAuthorizationResult,
} from 'discord-api-types/v10';
import { unauthorized } from '../../errors.ts';
import { ALL_PERMISSIONS } from '../../permissions.ts';
import type { EmulatorState } from '../../state.ts';
import { route, type RequestAuth } from '../route-table.ts';

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

function applicationPayload(state: EmulatorState): APIApplication {
  const app = state.application();
  const bot = state.botUser();
  return {
    id: app.id,
    name: bot.username,
    icon: null,
    description: 'Spell Rooms (Discord emulator)',
    summary: '',
    bot_public: false,
    bot_require_code_grant: false,
    bot,
    verify_key: createHash('sha256').update(`verify:${app.id}`).digest('hex'),
    team: null,
    flags: app.flags,
    flags_new: String(app.flags),
    approximate_guild_count: state.guildIds().length,
    redirect_uris: [],
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
    handle: ({ state, auth }) => {
      if (!hasScope(auth, 'guilds')) throw unauthorized();
      const userId = currentUserId(state, auth);
      const guilds: RESTAPIPartialCurrentUserGuild[] = [];
      for (const guildId of state.guildIds()) {
        if (!state.isMember(guildId, userId)) continue;
        const g = state.guild(guildId);
        const perms = state.memberPermissions(guildId, userId);
        guilds.push({
          id: g.id,
          name: g.name,
          icon: null,
          banner: null,
          owner: g.ownerId === userId,
          permissions: (perms === ALL_PERMISSIONS ? ALL_PERMISSIONS : perms).toString(),
          features: [],
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
      const { bot: _bot, ...application } = applicationPayload(state);
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
