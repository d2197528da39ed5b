import { createFileRoute } from '@tanstack/react-router';
import { publicHealth } from '../../server/health.ts';
import { bearerMatches } from '../../server/http/bearer.ts';
import { getServices } from '../../server/services.ts';

/**
 * `GET /api/health`: 200 when ready (Gateway connected, or a healthy standby), 503 otherwise. The
 * public answer keeps state and readiness; with `Authorization: Bearer $METRICS_TOKEN` it adds the
 * internals (Gateway session id, sequence, heartbeat, uptime, rooms). Without METRICS_TOKEN nobody
 * sees them.
 */
export const Route = createFileRoute('/api/health')({
  server: {
    handlers: {
      GET: async ({ request }) => {
        const services = await getServices();
        const { ok, body } = await services.health();
        const operator = bearerMatches(request.headers.get('authorization'), services.config.metricsToken);
        return Response.json(operator ? body : publicHealth(body), { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } });
      },
    },
  },
});
