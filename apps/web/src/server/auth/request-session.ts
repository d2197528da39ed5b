import { createServerOnlyFn } from '@tanstack/react-start';
import { getRequest, setResponseHeader } from '@tanstack/react-start/server';
import { AppError } from '../errors.ts';
import type { AuthService } from './auth-service.ts';
import type { Session } from './session.ts';

/**
 * The one auth gate, for server functions: the session of the current request, refreshed silently
 * when its Discord token expires (the new cookie rides on this response).
 */
export const requireSession = createServerOnlyFn(async (auth: AuthService, returnTo: string): Promise<Session> => {
  const { session, setCookie } = await auth.authenticate(getRequest().headers.get('cookie'), returnTo);
  if (setCookie) setResponseHeader('set-cookie', setCookie);
  return session;
});

/** Like requireSession, for public pages: null instead of a 401. */
export const optionalSession = createServerOnlyFn(async (auth: AuthService): Promise<Session | null> => {
  if (!getRequest().headers.get('cookie')) return null;
  try {
    return await requireSession(auth, '/');
  } catch (error) {
    if (error instanceof AppError && error.kind === 'unauthenticated') return null;
    throw error;
  }
});
