import { VOICE_FLAGS, type CachedVoiceState, type DomainChange, type VoiceFlag, type VoiceFlags } from './events.ts';
import type { CachedChannel } from './guild-entry.ts';

// The domain changes that take the cache from one state to the next: what subscribers are told.

function changedFlags(a: VoiceFlags, b: VoiceFlags): VoiceFlag[] {
  return VOICE_FLAGS.filter((flag) => a[flag] !== b[flag]);
}

/** The events that take one user's voice state from `before` to `after` (a move is left, then joined). */
export function transition(before: CachedVoiceState | undefined, after: CachedVoiceState | undefined): DomainChange[] {
  if (!before && !after) return [];
  if (!before && after) return [{ type: 'voice.joined', ...after }];
  if (before && !after) return [left(before)];
  if (before && after) {
    if (before.channelId !== after.channelId) return [left(before), { type: 'voice.joined', ...after }];
    const changed = changedFlags(before, after);
    return changed.length > 0 ? [{ type: 'voice.updated', ...after, changed }] : [];
  }
  return [];
}

function left(before: CachedVoiceState): DomainChange {
  return {
    type: 'voice.left',
    guildId: before.guildId,
    channelId: null,
    previousChannelId: before.channelId,
    userId: before.userId,
  };
}

export function channelDeleted(guildId: string, ch: CachedChannel): DomainChange {
  return { type: 'channel.deleted', guildId, channelId: ch.id, channelType: ch.type, name: ch.name, parentId: ch.parentId };
}
