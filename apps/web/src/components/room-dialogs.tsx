import { useHydrated, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../client/api.ts';
import type { useVoiceJoin } from '../hooks/use-voice-join.ts';
import { Dialog } from './dialog.tsx';
import { buttonDanger, buttonDangerOutline, buttonPrimary, buttonSecondary } from './styles.ts';
import { VoiceJoinOutcome } from './voice-panel.tsx';

// The room page's two older dialogs: "You left the voice channel" (R-ROOM5) and "Close this room?".

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

export function CloseRoomButton({ roomId, roomName }: { roomId: string; roomName: string }) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hydrated = useHydrated();
  const navigate = useNavigate();

  async function close() {
    setPending(true);
    setError(null);
    const result = await api.closeRoom(roomId);
    setPending(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    setOpen(false);
    void navigate({ to: '/', search: { closed: 'closed', room: roomName }, replace: true });
  }

  return (
    <>
      <button type="button" className={buttonDangerOutline} onClick={() => setOpen(true)} disabled={!hydrated}>
        Close room
      </button>
      <Dialog
        open={open}
        title="Close this room?"
        description="Everyone in it goes back to the lobby, and its Discord voice channel and role are deleted. This cannot be undone."
        onCancel={() => setOpen(false)}
      >
        {error ? (
          <p role="alert" className="text-sm text-red-300">
            {error}
          </p>
        ) : null}
        <div className="flex flex-wrap justify-end gap-3">
          <button type="button" className={buttonSecondary} onClick={() => setOpen(false)} data-autofocus>
            Cancel
          </button>
          <button type="button" className={buttonDanger} onClick={() => void close()} disabled={pending}>
            {pending ? 'Closing…' : 'Close room'}
          </button>
        </div>
      </Dialog>
    </>
  );
}
