import { createFileRoute } from '@tanstack/react-router';
import { health } from '../../server/health.ts';
import { getServices } from '../../server/services.ts';

/** `GET /api/health`: 200 when ready (Gateway connected, or a healthy standby), 503 otherwise. */
export const Route = createFileRoute('/api/health')({
  server: {
    handlers: {
      GET: async () => {
        const { ok, body } = await health(await getServices());
        return Response.json(body, { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } });
      },
    },
  },
});
