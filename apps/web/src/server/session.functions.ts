import { createServerFn } from '@tanstack/react-start';
import { getRequest, setResponseHeader } from '@tanstack/react-start/server';
import { publicUser, type SessionUser } from './auth/session.ts';
import { AppError } from './http/errors.ts';
import { getServices } from './services.ts';

/**
 * The signed-in user for the page header, or null. Goes through the same gate as every API route, so
 * an expiring Discord token is refreshed here too and the new cookie rides on the page response.
 */
export const getCurrentUser = createServerFn({ method: 'GET' }).handler(async (): Promise<SessionUser | null> => {
  const { auth, discord } = await getServices();
  const request = getRequest();
  const cookie = request.headers.get('cookie');
  if (!cookie) return null;
  try {
    const { session, setCookie } = await auth.authenticate(cookie, '/');
    if (setCookie) setResponseHeader('set-cookie', setCookie);
    return publicUser(session, discord.cdnUrl);
  } catch (error) {
    if (error instanceof AppError && error.kind === 'unauthenticated') return null;
    throw error;
  }
});
