import { useCallback, useRef, useState } from 'react';
import { type ApiError, api } from '../client/api.ts';

export type VoiceJoinState =
  | { kind: 'idle' }
  | { kind: 'pending' }
  | { kind: 'moved' }
  | { kind: 'open-in-discord'; url: string }
  | { kind: 'error'; error: ApiError };

/**
 * "Join voice" (R-ROOM4): the server moves a player who is in voice anywhere in the guild, or
 * answers with a link that opens the channel in Discord. One request at a time.
 */
export function useVoiceJoin(roomId: string) {
  const [state, setState] = useState<VoiceJoinState>({ kind: 'idle' });
  const inFlight = useRef(false);
  const join = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setState({ kind: 'pending' });
    const result = await api.joinVoice(roomId);
    inFlight.current = false;
    if (!result.ok) setState({ kind: 'error', error: result.error });
    else if (result.data.action === 'moved') setState({ kind: 'moved' });
    else setState({ kind: 'open-in-discord', url: result.data.url });
  }, [roomId]);
  const reset = useCallback(() => setState({ kind: 'idle' }), []);
  return { state, join, reset };
}
