import { useEffect, useState } from 'react';
import { type JoinServerLink, getJoinServerLink } from '../server/guilds.functions.ts';
import { MessagePage } from './message-page.tsx';
import { buttonPrimary } from './styles.ts';

/**
 * An invite to a room in a Discord server the user is not in, whose admins want invitees to join it
 * themselves (redeem answered 403 `join_server_first`, issue 17): the server's name and a Discord
 * invite to it; back here after joining, "Join room" works.
 */
export function JoinServerFirst({ token, message }: { token: string; message: string }) {
  const [link, setLink] = useState<JoinServerLink | null>(null);
  useEffect(() => {
    let live = true;
    void getJoinServerLink({ data: { token } }).then((answer) => {
      if (live) setLink(answer);
    });
    return () => {
      live = false;
    };
  }, [token]);
  const name = link?.ok ? link.name : null;
  return (
    <MessagePage
      eyebrow="Not in the server yet"
      title={name ? `Join ${name} on Discord first` : 'Join the room’s Discord server first'}
      actions={
        link?.ok && link.url ? (
          <a href={link.url} className={buttonPrimary} target="_blank" rel="noopener noreferrer">
            Open the invite to {link.name} in Discord
          </a>
        ) : null
      }
    >
      <p>{message}</p>
      <p className="mt-2">The room’s voice channel is in that server. Once you are in it, open this link again and press “Join room”.</p>
      {link && !link.ok ? <p className="mt-2">{link.error.message}</p> : null}
    </MessagePage>
  );
}
