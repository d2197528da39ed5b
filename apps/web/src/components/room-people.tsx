import { ROOM_PLAYER_LIMIT, type Player, type UserSummary, type VoiceMember } from '@repo/protocol';
import type { ReactNode } from 'react';
import { type RoomReplica, displayName, isDeafened, isMuted, voiceOf, voiceOutsiders } from '../client/room-state.ts';
import { Avatar } from './avatar.tsx';
import { CrownIcon, HeadphonesOffIcon, MicIcon, MicOffIcon, SeatIcon } from './icons.tsx';
import { badge, card } from './styles.ts';

/**
 * Who is in the room: four reserved player seats (so nothing jumps when people come and go),
 * people in the voice channel who are not players, and spectators. Names are plain text.
 */
export function PlayersPanel({ view, me, actionsFor }: { view: RoomReplica; me: string; actionsFor?: (player: Player) => ReactNode }) {
  const limit = view.room.playerLimit || ROOM_PLAYER_LIMIT;
  const seats = Math.max(limit, view.players.length);
  const full = view.players.length >= limit;
  const inVoice = view.players.filter((p) => voiceOf(view, p.userId)).length;
  return (
    <section aria-labelledby="players-heading" className={`${card} p-4 sm:p-5`}>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        {/* tabIndex: focus lands here after the host removes someone (their buttons are gone). */}
        <h2 id="players-heading" tabIndex={-1} className="text-base font-semibold">
          Players{' '}
          <span className="font-normal text-zinc-400">
            {view.players.length} of {limit}
          </span>
        </h2>
        <div className="flex items-center gap-2 text-xs text-zinc-400">
          <span>{inVoice} in voice</span>
          {full ? <span className={`${badge} bg-amber-500/15 text-amber-300`}>Room full</span> : null}
        </div>
      </div>
      <ul aria-label="Players" className="grid gap-2">
        {Array.from({ length: seats }, (_, i) => {
          const player = view.players[i];
          return player ? (
            <PlayerSeat
              key={player.userId}
              player={player}
              voice={voiceOf(view, player.userId)}
              isMe={player.userId === me}
              actions={player.userId === me ? null : actionsFor?.(player)}
            />
          ) : (
            <OpenSeat key={`open-${i}`} />
          );
        })}
      </ul>
    </section>
  );
}

function PlayerSeat({ player, voice, isMe, actions }: { player: Player; voice: VoiceMember | undefined; isMe: boolean; actions: ReactNode }) {
  const name = displayName(player);
  const muted = voice ? isMuted(voice) : false;
  const deafened = voice ? isDeafened(voice) : false;
  return (
    <li
      className={`flex h-16 items-center gap-3 rounded-lg border px-3 transition-colors ${voice ? 'border-emerald-500/40 bg-emerald-500/5' : 'border-zinc-800 bg-zinc-950/40'}`}
      data-user-id={player.userId}
      data-username={player.username}
      data-in-voice={voice ? 'true' : 'false'}
      data-muted={muted ? 'true' : 'false'}
      data-deafened={deafened ? 'true' : 'false'}
    >
      <span className="relative">
        <Avatar userId={player.userId} src={player.avatarUrl} name={name} size={40} />
        {voice ? <span aria-hidden className="absolute -right-0.5 -bottom-0.5 size-3 rounded-full border-2 border-zinc-900 bg-emerald-400" /> : null}
      </span>
      <div className="min-w-0 flex-1">
        <p className="flex min-w-0 items-center gap-1.5">
          <span className="truncate font-medium">{name}</span>
          {isMe ? <span className="shrink-0 text-xs text-zinc-400">(you)</span> : null}
          {player.creator ? (
            <span className={`${badge} shrink-0 bg-blurple/15 text-indigo-200`}>
              <CrownIcon className="size-3" />
              Host
            </span>
          ) : null}
        </p>
        <VoiceLine voice={voice} muted={muted} deafened={deafened} />
      </div>
      {actions}
    </li>
  );
}

function VoiceLine({ voice, muted, deafened }: { voice: VoiceMember | undefined; muted: boolean; deafened: boolean }) {
  if (!voice) return <p className="text-xs text-zinc-400">Not connected to voice</p>;
  return (
    <p className="flex flex-wrap items-center gap-x-2 text-xs">
      <span className="inline-flex items-center gap-1 text-emerald-300">
        <MicIcon className="size-3" />
        In voice
      </span>
      {muted ? (
        <span className="inline-flex items-center gap-1 text-red-300">
          <MicOffIcon className="size-3" />
          Muted
        </span>
      ) : null}
      {deafened ? (
        <span className="inline-flex items-center gap-1 text-red-300">
          <HeadphonesOffIcon className="size-3" />
          Deafened
        </span>
      ) : null}
    </p>
  );
}

function OpenSeat() {
  return (
    <li className="flex h-16 items-center gap-3 rounded-lg border border-dashed border-zinc-800 px-3 text-sm text-zinc-400" data-open-seat>
      <span aria-hidden className="grid size-10 place-items-center rounded-full border border-dashed border-zinc-700">
        <SeatIcon className="size-4" />
      </span>
      Open seat
    </li>
  );
}

/** In the voice channel but not a player: joined from Discord without the site, or not a player any more. */
export function VoiceOutsiders({ view }: { view: RoomReplica }) {
  const outsiders = voiceOutsiders(view);
  if (outsiders.length === 0) return null;
  return (
    <section aria-labelledby="outsiders-heading" className={`${card} p-4 sm:p-5`}>
      <h2 id="outsiders-heading" className="mb-3 text-base font-semibold">
        Also in the voice channel
      </h2>
      <ul aria-label="Also in voice" className="grid gap-2">
        {outsiders.map((m) => {
          const name = displayName(m);
          const muted = isMuted(m);
          const deafened = isDeafened(m);
          return (
            <li
              key={m.userId}
              className="flex h-14 items-center gap-3 rounded-lg border border-zinc-800 bg-zinc-950/40 px-3"
              data-user-id={m.userId}
              data-username={m.username}
              data-in-voice="true"
              data-muted={muted ? 'true' : 'false'}
            >
              <Avatar userId={m.userId} src={m.avatarUrl} name={name} size={32} />
              <div className="min-w-0 flex-1">
                <p className="flex items-center gap-1.5">
                  <span className="truncate font-medium">{name}</span>
                  <span className={`${badge} shrink-0 bg-zinc-800 text-zinc-300`}>{m.signedIn ? 'not a player' : 'in Discord only'}</span>
                </p>
                <VoiceLine voice={m} muted={muted} deafened={deafened} />
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Spectators (R-ROOM9): they watch live and do not take a seat or join voice. */
export function Watching({ spectators, me, actionsFor }: { spectators: UserSummary[]; me: string; actionsFor?: (spectator: UserSummary) => ReactNode }) {
  return (
    <section aria-labelledby="watching-heading" className={`${card} p-4 sm:p-5`}>
      <h2 id="watching-heading" tabIndex={-1} className="mb-3 text-base font-semibold">
        Watching <span className="font-normal text-zinc-400">{spectators.length}</span>
      </h2>
      {spectators.length === 0 ? (
        <p className="text-sm text-zinc-400">Nobody is watching yet.</p>
      ) : (
        <ul aria-label="Watching" className="flex flex-wrap gap-2">
          {spectators.map((s) => {
            const name = displayName(s);
            const actions = s.userId === me ? null : actionsFor?.(s);
            return (
              <li
                key={s.userId}
                className={`flex items-center gap-2 border border-zinc-800 bg-zinc-950/40 py-1 pl-1 text-sm ${actions ? 'pr-1' : 'pr-3'} rounded-full`}
                data-user-id={s.userId}
              >
                <Avatar userId={s.userId} src={s.avatarUrl} name={name} size={24} />
                <span className="max-w-40 truncate">{name}</span>
                {s.userId === me ? <span className="text-xs text-zinc-400">(you)</span> : null}
                {actions}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
