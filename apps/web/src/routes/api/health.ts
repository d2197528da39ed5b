import { createFileRoute } from '@tanstack/react-router';
import { getServices } from '../../server/services.ts';

/** Liveness + readiness. Grows with the gateway (state, session, latency) in later issues. */
export const Route = createFileRoute('/api/health')({
  server: {
    handlers: {
      GET: async () => {
        const services = await getServices();
        return Response.json(
          {
            status: 'ok',
            instanceId: services.instanceId,
            uptimeSeconds: Math.round((Date.now() - services.startedAt) / 1000),
            connections: services.hub.connectionCount,
            discord: services.discord.kind,
            // Only present in development, where the emulator runs inside this process.
            ...(services.discord.emulatorUrl ? { emulatorUrl: services.discord.emulatorUrl } : {}),
          },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
  },
});
