import type { APIGatewayBotInfo, APIGatewayInfo } from 'discord-api-types/v10';
import { RECOMMENDED_GUILDS_PER_SHARD } from '../../gateway/sharding.ts';
import { route } from '../route-table.ts';

/** Discord's advice: about one shard per 1,000 guilds, never fewer than one. */
export function recommendedShardCount(botGuilds: number): number {
  return Math.max(1, Math.ceil(botGuilds / RECOMMENDED_GUILDS_PER_SHARD));
}

export const gatewayRoutes = [
  route({
    method: 'GET',
    path: '/gateway',
    auth: 'none',
    handle: ({ gatewayUrl }) => ({ status: 200, body: { url: gatewayUrl } satisfies APIGatewayInfo }),
  }),
  route({
    method: 'GET',
    path: '/gateway/bot',
    auth: 'bot',
    handle: ({ gatewayUrl, sessionStartLimit, recommendedShards, state }) => ({
      status: 200,
      body: {
        url: gatewayUrl,
        shards: recommendedShards ?? recommendedShardCount(state.botGuildIds().length),
        session_start_limit: sessionStartLimit.snapshot(),
      } satisfies APIGatewayBotInfo,
    }),
  }),
];
