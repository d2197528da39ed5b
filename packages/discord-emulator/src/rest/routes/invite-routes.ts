import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { EmulatorState } from '../../state.ts';
import { Perm, requireChannelPermission } from '../bot-access.ts';
import { route } from '../route-table.ts';
import { parseBody } from '../validation.ts';

/**
 * Create Channel Invite (POST /channels/{channel.id}/invites), a guild invite as Discord's OpenAPI
 * describes it (CreateGuildInviteRequest → GuildInviteResponse): needs Create Instant Invite on the
 * channel (50013 otherwise); max_age 0–5,184,000 s (0 = never; default 86,400), max_uses 0–100
 * (0 = unlimited), `unique: false` hands back an existing invite with the same settings. The app
 * uses it for "Join <server> on Discord first" (issue 17).
 */
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const createInviteSchema = z.object({
  max_age: int(0, 5_184_000).nullish(),
  max_uses: int(0, 100).nullish(),
  temporary: z.boolean().nullish(),
  unique: z.boolean().nullish(),
});

interface InviteRecord {
  code: string;
  maxAge: number;
  maxUses: number;
  temporary: boolean;
  createdAt: number;
}

/** Each channel's invites, by the channel's own record (a deleted channel's go with it). */
const invitesOf = new WeakMap<object, InviteRecord[]>();

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function newCode(): string {
  return [...randomBytes(10)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

function invitePayload(state: EmulatorState, channelId: string, invite: InviteRecord) {
  const ch = state.channel(channelId);
  const guild = state.guild(ch.guildId);
  return {
    type: 0,
    code: invite.code,
    inviter: state.botUser(),
    max_age: invite.maxAge,
    created_at: new Date(invite.createdAt).toISOString(),
    expires_at: invite.maxAge === 0 ? null : new Date(invite.createdAt + invite.maxAge * 1000).toISOString(),
    guild: {
      id: guild.id,
      name: guild.name,
      splash: null,
      banner: null,
      description: null,
      icon: null,
      features: [],
      verification_level: 0,
      vanity_url_code: null,
      nsfw_level: 0,
      nsfw: false,
      premium_subscription_count: 0,
    },
    guild_id: guild.id,
    channel: { id: ch.id, type: ch.type, name: ch.name },
    uses: 0,
    max_uses: invite.maxUses,
    temporary: invite.temporary,
    flags: 0,
  };
}

export const inviteRoutes = [
  route({
    method: 'POST',
    path: '/channels/:channelId/invites',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      const ch = state.channel(params.channelId);
      const input = parseBody(createInviteSchema, body ?? {});
      requireChannelPermission(state, ch.id, Perm.CreateInstantInvite);
      const wanted = { maxAge: input.max_age ?? 86_400, maxUses: input.max_uses ?? 0, temporary: input.temporary ?? false };
      const invites = invitesOf.get(ch) ?? [];
      invitesOf.set(ch, invites);
      const now = state.now();
      const live = (i: InviteRecord) => i.maxAge === 0 || i.createdAt + i.maxAge * 1000 > now;
      const same = input.unique ? undefined : invites.find((i) => live(i) && i.maxAge === wanted.maxAge && i.maxUses === wanted.maxUses && i.temporary === wanted.temporary);
      const invite = same ?? { code: newCode(), ...wanted, createdAt: now };
      if (!same) invites.push(invite);
      return { status: 200, body: invitePayload(state, ch.id, invite) };
    },
  }),
];
