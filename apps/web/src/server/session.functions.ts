import { createServerFn } from '@tanstack/react-start';
import { optionalSession } from './auth/request-session.ts';
import { publicUser, type SessionUser } from './auth/session.ts';
import { getServices } from './services.ts';

/** The signed-in user for the page header, or null (an expiring Discord token is refreshed here too). */
export const getCurrentUser = createServerFn({ method: 'GET' }).handler(async (): Promise<SessionUser | null> => {
  const services = await getServices();
  const session = await optionalSession(services.auth);
  return session ? publicUser(session, services.discord.cdnUrl) : null;
});
