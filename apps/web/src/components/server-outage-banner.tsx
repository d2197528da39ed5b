import { useRealtime } from '../hooks/realtime.tsx';

/**
 * Shown on a room's page while Discord reports an outage of the room's server (GUILD_DELETE with
 * unavailable: true, issue 17): the rest of Discord is fine, so the site-wide banner stays away.
 * The page reads the room back by itself when the server returns (realtime-connection.ts).
 */
export function ServerOutageBanner({ guildId }: { guildId: string }) {
  const { gateway } = useRealtime();
  if (!gateway?.unavailableGuilds?.includes(guildId)) return null;
  return (
    <div role="alert" className="rounded-xl border border-amber-500/30 bg-amber-500/10 px-4 py-3 text-sm text-amber-200">
      <strong className="font-semibold">Live updates from Discord are delayed.</strong>{' '}
      <span className="text-amber-200/80">Discord reports an outage of this room’s server; this page catches up by itself when it is back.</span>
    </div>
  );
}
