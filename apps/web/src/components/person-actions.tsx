import { api } from '../client/api.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { buttonDangerOutline, buttonSecondary, buttonSmall } from './styles.ts';

/** Where focus goes once a removed person's buttons are gone: the people panel's heading. */
const focusPlayersHeading = () => document.getElementById('players-heading');
const focusWatchingHeading = () => document.getElementById('watching-heading');

/**
 * The host's per-person controls (issue 19): "Remove <name>" for players and spectators, and
 * "Make <name> host" for players. Each shows a short word and carries the person's name for screen
 * readers, and each asks first.
 */
export function PersonActions({ roomId, userId, name, kind }: { roomId: string; userId: string; name: string; kind: 'player' | 'spectator' }) {
  return (
    <span className="flex shrink-0 items-center gap-1.5">
      {kind === 'player' ? (
        <ConfirmButton
          trigger={
            <>
              Make<span className="sr-only"> {name}</span> host
            </>
          }
          triggerClassName={`${buttonSecondary} ${buttonSmall}`}
          title={`Make ${name} the host?`}
          description={`${name} gets the host controls and the host mark in Discord. You stay in the room as a player, and only ${name} can make you host again.`}
          confirmLabel="Make host"
          pendingLabel="Handing over…"
          run={() => api.handOver(roomId, userId)}
        />
      ) : null}
      <ConfirmButton
        trigger={
          <>
            Remove<span className="sr-only"> {name}</span>
          </>
        }
        triggerClassName={`${buttonDangerOutline} ${buttonSmall}`}
        title={`Remove ${name}?`}
        description={
          kind === 'player'
            ? `${name} loses their seat and the room’s Discord role, and is disconnected from its voice channel. Their invite link will not bring them back until you make new links.`
            : `${name} stops watching this room. Their link will not bring them back until you make new links.`
        }
        confirmLabel="Remove"
        pendingLabel="Removing…"
        danger
        run={() => api.removePerson(roomId, userId)}
        focusAfterDone={kind === 'player' ? focusPlayersHeading : focusWatchingHeading}
      />
    </span>
  );
}
