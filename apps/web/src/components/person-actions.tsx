import { api } from '../client/api.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { CrownIcon, RemoveIcon } from './icons.tsx';
import { buttonDangerOutline, buttonSecondary, buttonSmall } from './styles.ts';

/** Where focus goes once a removed person's buttons are gone: the people panel's heading. */
const focusPlayersHeading = () => document.getElementById('players-heading');
const focusWatchingHeading = () => document.getElementById('watching-heading');

/**
 * The host's per-person controls (issue 19): "Remove <name>" for players and spectators, and
 * "Make <name> host" for players. Each shows an icon and a short word, is named with the person's
 * name, and asks first.
 */
export function PersonActions({ roomId, userId, name, kind }: { roomId: string; userId: string; name: string; kind: 'player' | 'spectator' }) {
  // On phones (and on a spectator's small chip) the buttons show only their icon, so a seat keeps
  // its height. Their names come from their text, visually hidden where it is not shown: the
  // visible words stay part of the name ("Make host" in "Make Bob host"), as speech input needs.
  const compact = `${buttonSmall} gap-0! px-2 sm:gap-2! sm:px-3`;
  const shown = kind === 'player' ? 'sr-only sm:not-sr-only' : 'sr-only';
  return (
    <span className="flex shrink-0 items-center gap-1.5">
      {kind === 'player' ? (
        <ConfirmButton
          trigger={
            <>
              <CrownIcon className="size-3.5" />
              <span>
                <span className={shown}>Make </span>
                <span className="sr-only">{name} </span>
                <span className={shown}>host</span>
              </span>
            </>
          }
          triggerTitle={`Make ${name} host`}
          triggerClassName={`${buttonSecondary} ${compact}`}
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
            <RemoveIcon className="size-3.5" />
            <span>
              <span className={shown}>Remove</span>
              <span className="sr-only"> {name}</span>
            </span>
          </>
        }
        triggerTitle={`Remove ${name}`}
        triggerClassName={`${buttonDangerOutline} ${kind === 'player' ? compact : `${buttonSmall} gap-0! rounded-full! px-1.5 py-1.5`}`}
        title={`Remove ${name}?`}
        description={
          kind === 'player'
            ? `${name} loses their seat and the room’s Discord role, and is disconnected from its voice channel if they are in it. Their invite link will not bring them back until you make new links.`
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
