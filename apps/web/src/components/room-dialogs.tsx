import { useHydrated, useNavigate } from '@tanstack/react-router';
import { api } from '../client/api.ts';
import type { useVoiceJoin } from '../hooks/use-voice-join.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { Dialog } from './dialog.tsx';
import { buttonDangerOutline, buttonPrimary, buttonSecondary } from './styles.ts';
import { VoiceJoinOutcome } from './voice-panel.tsx';

// The room page's two older dialogs: "You left the voice channel" (R-ROOM5) and "Close this room?".
// "Leave game" leaves for real: the page answers it with the "Leave this room?" confirm (leave-room.tsx).

export function RejoinDialog({
  open,
  join,
  onRejoin,
  onDismiss,
  onLeave,
}: {
  open: boolean;
  join: ReturnType<typeof useVoiceJoin>['state'];
  onRejoin(): void;
  onDismiss(): void;
  onLeave(): void;
}) {
  const hydrated = useHydrated();
  return (
    <Dialog
      open={open}
      title="You left the voice channel"
      description="You are no longer in the room’s voice channel. Rejoin to keep playing with the table, or leave the game."
      onCancel={onDismiss}
    >
      {join.kind !== 'idle' && join.kind !== 'moved' ? <VoiceJoinOutcome state={join} onRetry={onRejoin} /> : null}
      <div className="flex flex-wrap justify-end gap-3">
        <button type="button" className={buttonSecondary} onClick={onLeave}>
          Leave game
        </button>
        <button type="button" className={buttonPrimary} onClick={onRejoin} disabled={!hydrated || join.kind === 'pending'} data-autofocus>
          Rejoin
        </button>
      </div>
    </Dialog>
  );
}

/** "Close room" (host): the shared confirm, Cancel focused since closing cannot be undone (specs/ui.md). */
export function CloseRoomButton({ roomId, roomName }: { roomId: string; roomName: string }) {
  const navigate = useNavigate();
  return (
    <ConfirmButton
      trigger="Close room"
      triggerClassName={buttonDangerOutline}
      title="Close this room?"
      description="Everyone in it goes back to the lobby, and its Discord voice channel and role are deleted. This cannot be undone."
      confirmLabel="Close room"
      pendingLabel="Closing…"
      danger
      run={() => api.closeRoom(roomId)}
      onDone={() => void navigate({ to: '/', search: { closed: 'closed', room: roomName }, replace: true })}
    />
  );
}
