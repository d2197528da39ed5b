import { createFileRoute, notFound, redirect } from '@tanstack/react-router';
import { MessagePage } from '../../../components/message-page.tsx';
import { ServerSettingsForm } from '../../../components/server-settings-form.tsx';
import { getServerSettingsPage } from '../../../server/guilds.functions.ts';
import type { PageError } from '../../../server/rooms.functions.ts';

/**
 * `/servers/$guildId/settings` (issue 17): a server's room settings for its admins (Manage Server,
 * Administrator or owner in Discord). Anyone else gets a 403 page; a server the bot is not in, 404.
 */
export const Route = createFileRoute('/servers/$guildId/settings')({
  loader: async ({ params }) => {
    const data = await getServerSettingsPage({ data: { guildId: params.guildId } });
    if (!data.ok) {
      if (data.error.status === 401 && data.error.loginUrl) throw redirect({ href: data.error.loginUrl, reloadDocument: true });
      if (data.error.status === 404) throw notFound({ data: data.error });
    }
    return data;
  },
  head: ({ loaderData }) => ({ meta: [{ title: loaderData?.ok ? `${loaderData.guild.name} settings · Spell Rooms` : 'Server settings · Spell Rooms' }] }),
  component: SettingsPage,
  notFoundComponent: () => (
    <MessagePage eyebrow="Server settings" title="Spell Rooms is not in that server">
      <p>The link may be mistyped, or the bot was removed from the server.</p>
    </MessagePage>
  ),
});

function SettingsPage() {
  const data = Route.useLoaderData();
  if (!data.ok) return <SettingsUnavailable error={data.error} />;
  return (
    <main className="mx-auto flex max-w-2xl flex-col gap-6 px-4 py-10 sm:py-12">
      <div className="flex flex-col gap-2">
        <p className="text-sm font-semibold tracking-wide text-blurple-light uppercase">Server settings</p>
        <h1 className="text-3xl font-bold tracking-tight">{data.guild.name}</h1>
        <p className="text-zinc-400">What Spell Rooms may do in this Discord server. Changes apply to rooms made from now on.</p>
        {data.guild.available ? null : (
          <p role="status" className="rounded-md border border-amber-500/40 bg-amber-500/10 px-3 py-2 text-sm text-amber-100">
            Discord reports an outage for this server right now: rooms there wait until it is back.
          </p>
        )}
      </div>
      <ServerSettingsForm key={data.guild.id} guildId={data.guild.id} settings={data.settings} categories={data.categories} maxReserve={data.maxReserve} />
    </main>
  );
}

function SettingsUnavailable({ error }: { error: PageError }) {
  if (error.status === 403) {
    return (
      <MessagePage eyebrow="Server settings" title="Only this server’s admins can change its settings">
        <p>{error.message} Ask someone with the Manage Server permission in Discord.</p>
      </MessagePage>
    );
  }
  return (
    <MessagePage eyebrow="Something went wrong" title="The settings could not be loaded">
      <p>{error.message}</p>
    </MessagePage>
  );
}
