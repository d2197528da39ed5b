import type { APIGatewayBotInfo, APIGatewayInfo } from 'discord-api-types/v10';
import { route } from '../route-table.ts';

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
    handle: ({ gatewayUrl, sessionStartLimit }) => ({
      status: 200,
      body: { url: gatewayUrl, shards: 1, session_start_limit: sessionStartLimit.snapshot() } satisfies APIGatewayBotInfo,
    }),
  }),
];
