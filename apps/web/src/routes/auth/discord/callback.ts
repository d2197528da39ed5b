import { createFileRoute } from '@tanstack/react-router';
import { LoginError, type LoginFailureReason } from '../../../server/auth/login-failures.ts';
import { moduleLogger } from '../../../server/log.ts';
import { getServices } from '../../../server/services.ts';

/** Discord sends the user back here with `code` and `state`. */
export const Route = createFileRoute('/auth/discord/callback')({
  server: {
    handlers: {
      GET: async ({ request }) => {
        const { auth, log } = await getServices();
        try {
          const { location, setCookies } = await auth.completeLogin(new URL(request.url), request.headers.get('cookie'));
          const headers = new Headers({ location, 'cache-control': 'no-store' });
          for (const cookie of setCookies) headers.append('set-cookie', cookie);
          return new Response(null, { status: 302, headers });
        } catch (error) {
          let reason: LoginFailureReason = 'failed';
          if (error instanceof LoginError) reason = error.reason;
          else moduleLogger(log, 'Auth').error({ err: error }, 'sign-in failed after the code exchange');
          const headers = new Headers({ location: `/auth/failed?reason=${reason}`, 'cache-control': 'no-store' });
          headers.append('set-cookie', auth.cookies.clearLoginCookie());
          return new Response(null, { status: 302, headers });
        }
      },
    },
  },
});
