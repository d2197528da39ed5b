import { createServerFn } from '@tanstack/react-start';
import { getServices } from './services.ts';

/** What the lobby shows about this server. Nothing here is secret. */
export const getLobbyInfo = createServerFn({ method: 'GET' }).handler(async () => {
  const services = await getServices();
  return {
    instanceId: services.instanceId,
    online: services.hub.connectionCount,
    discord: services.discord.kind,
    emulatorUrl: services.discord.emulatorUrl ?? null,
  };
});
