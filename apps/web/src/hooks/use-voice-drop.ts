import { useEffect, useRef, useState } from 'react';

/**
 * R-ROOM5: "was in the room's voice channel, and now is not" opens the dialog; being back in
 * voice (by Rejoin or from Discord) closes it.
 */
export function useVoiceDrop(tracking: boolean, inVoice: boolean) {
  const [open, setOpen] = useState(false);
  const was = useRef(inVoice);
  useEffect(() => {
    if (tracking && was.current && !inVoice) setOpen(true);
    if (inVoice) setOpen(false);
    if (tracking) was.current = inVoice;
  }, [tracking, inVoice]);
  return { open, dismiss: () => setOpen(false) };
}
