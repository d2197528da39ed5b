import { useNavigate } from '@tanstack/react-router';
import { api } from '../client/api.ts';
import { type SeatRole, leaveConsequence, successorOf } from '../client/room-roles.ts';
import type { RoomReplica } from '../client/room-state.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { DoorIcon } from './icons.tsx';
import { buttonSecondary } from './styles.ts';

/**
 * "Leave room" for everyone seated (issue 19): the seat and role go back, then the lobby. `opener`
 * lets the voice-dropout dialog's "Leave game" ask the same question.
 */
export function LeaveRoomButton({
  roomId,
  view,
  role,
  opener,
}: {
  roomId: string;
  view: RoomReplica;
  role: Exclude<SeatRole, 'none'>;
  opener?: { current: (() => void) | null };
}) {
  const navigate = useNavigate();
  const closes = role === 'host' && successorOf(view) === null;
  return (
    <ConfirmButton
      trigger={
        <>
          <DoorIcon className="size-4" />
          Leave room
        </>
      }
      triggerClassName={buttonSecondary}
      title="Leave this room?"
      description={leaveConsequence(view, role)}
      confirmLabel={closes ? 'Leave and close room' : 'Leave room'}
      pendingLabel="Leaving…"
      danger
      opener={opener}
      run={() => api.leaveRoom(roomId)}
      onDone={() => void navigate({ to: '/', search: closes ? { closed: 'closed', room: view.room.name } : {}, replace: true })}
    />
  );
}
