import type { APIGatewayBotInfo, APIGatewayInfo } from 'discord-api-types/v10';
import { route } from '../route-table.ts';

/** Discord's daily identify budget for a small bot. */
const SESSION_START_TOTAL = 1000;
const SESSION_START_RESET_AFTER_MS = 24 * 60 * 60_000;

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
    handle: ({ gatewayUrl }) => ({
      status: 200,
      body: {
        url: gatewayUrl,
        shards: 1,
        session_start_limit: {
          total: SESSION_START_TOTAL,
          remaining: SESSION_START_TOTAL,
          reset_after: SESSION_START_RESET_AFTER_MS,
          max_concurrency: 1,
        },
      } satisfies APIGatewayBotInfo,
    }),
  }),
];
