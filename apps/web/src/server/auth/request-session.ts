import { createServerOnlyFn } from '@tanstack/react-start';
import { getRequest, setResponseHeader } from '@tanstack/react-start/server';
import { AppError } from '../http/errors.ts';
import type { Services } from '../services.ts';
import type { Session } from './session.ts';

/**
 * The one auth gate, for server functions: the session of the current request, refreshed silently
 * when its Discord token expires (the new cookie rides on this response).
 */
export const requireSession = createServerOnlyFn(async (services: Services, returnTo: string): Promise<Session> => {
  const { session, setCookie } = await services.auth.authenticate(getRequest().headers.get('cookie'), returnTo);
  if (setCookie) setResponseHeader('set-cookie', setCookie);
  return session;
});

/** Like requireSession, for public pages: null instead of a 401. */
export const optionalSession = createServerOnlyFn(async (services: Services): Promise<Session | null> => {
  if (!getRequest().headers.get('cookie')) return null;
  try {
    return await requireSession(services, '/');
  } catch (error) {
    if (error instanceof AppError && error.kind === 'unauthenticated') return null;
    throw error;
  }
});
