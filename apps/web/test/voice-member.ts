import type { VoiceMember } from '@repo/protocol';

/** Someone in a room's voice channel as the protocol carries them: a payload the event bus takes. */
export function voiceMember(userId: string, flags: Partial<VoiceMember> = {}): VoiceMember {
  return {
    userId,
    username: userId,
    globalName: null,
    avatarUrl: null,
    selfMute: false,
    selfDeaf: false,
    mute: false,
    deaf: false,
    streaming: false,
    video: false,
    signedIn: true,
    ...flags,
  };
}
