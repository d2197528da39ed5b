import { createFileRoute } from '@tanstack/react-router';
import { bearerMatches } from '../../server/http/bearer.ts';
import { getServices } from '../../server/services.ts';

/** `GET /api/metrics`: Prometheus text. With METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
export const Route = createFileRoute('/api/metrics')({
  server: {
    handlers: {
      GET: async ({ request }) => {
        const services = await getServices();
        const expected = services.config.metricsToken;
        if (expected && !bearerMatches(request.headers.get('authorization'), expected)) {
          return new Response('metrics need a bearer token\n', { status: 401, headers: { 'www-authenticate': 'Bearer' } });
        }
        const registry = services.metrics.registry;
        return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
      },
    },
  },
});
