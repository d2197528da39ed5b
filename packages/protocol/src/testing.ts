// Fixtures of the wire's shapes for tests on either end: the `@repo/protocol/testing` subpath, so
// no production bundle carries them.
import type { VoiceMember } from './rooms.ts';

/** Someone in a room's voice channel, signed in, with no flag set; `flags` overrides any field. */
export function voiceMember(userId: string, flags: Partial<VoiceMember> = {}): VoiceMember {
  return { userId, username: userId, globalName: null, avatarUrl: null, selfMute: false, selfDeaf: false, mute: false, deaf: false, streaming: false, video: false, signedIn: true, ...flags };
}
