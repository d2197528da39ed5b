import { Link } from '@tanstack/react-router';
import type { UserServer } from '@repo/protocol';
import { capacityText, unavailableReason } from '../client/servers.ts';
import { buttonSecondary, buttonSmall, card } from './styles.ts';

/**
 * The lobby's "Your servers" (issue 17): the servers the user can make rooms in, each with its
 * capacity, a settings link for the server's admins, and the link that adds the bot to another server.
 */
export function YourServers({ servers, addToDiscordUrl, signInAgain = false }: { servers: readonly UserServer[]; addToDiscordUrl: string; signInAgain?: boolean }) {
  return (
    <section aria-labelledby="your-servers-heading" className={`${card} flex flex-col gap-3 p-5`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="your-servers-heading" className="text-lg font-semibold">
          Your servers
        </h2>
        <a href={addToDiscordUrl} className={`${buttonSecondary} ${buttonSmall}`} rel="noopener noreferrer">
          Add Spell Rooms to your server
        </a>
      </div>
      {signInAgain ? (
        <p className="text-sm text-zinc-300">
          <a href="/auth/discord/login?returnTo=%2F" className="underline">
            Sign in again
          </a>{' '}
          to see your other servers.
        </p>
      ) : null}
      {servers.length === 0 ? (
        <p className="text-sm text-zinc-400">You are not in a Discord server with Spell Rooms yet. Add it to a server you manage, or ask a friend for an invite.</p>
      ) : (
        <ul aria-label="Your servers" className="flex flex-col gap-2">
          {servers.map((server) => {
            const note = [capacityText(server), unavailableReason(server)].filter(Boolean).join(' · ');
            return (
              <li key={server.id} className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-zinc-800 bg-zinc-950/40 px-3 py-2">
                <span className="min-w-0">
                  <span className="block truncate font-medium">
                    {server.name}
                    {server.home ? <span className="text-xs font-normal text-zinc-400"> (home)</span> : null}
                  </span>
                  {note ? <span className="block text-xs text-zinc-400">{note}</span> : null}
                </span>
                {server.canManage ? (
                  <Link to="/servers/$guildId/settings" params={{ guildId: server.id }} className={`${buttonSecondary} ${buttonSmall}`} aria-label={`Settings for ${server.name}`}>
                    Settings
                  </Link>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
