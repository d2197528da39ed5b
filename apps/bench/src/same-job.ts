/**
 * The same-job references' world: each gets an emulator of its own (in the bench process, like
 * the app's), with the same generated users in the same rooms of 4 — one voice channel per room,
 * everyone in it — so that every voice change reaches exactly one Gateway connection, the target's,
 * as the same ~800-byte VOICE_STATE_UPDATE dispatch the app receives.
 */
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { ChannelType } from 'discord.js';
import { VoiceChanges } from './driver.ts';
import type { Fleet } from './fleet.ts';
import { type ReferenceProcess, rssBytes, startGatewayReference } from './processes.ts';

export interface SameJobTarget {
  kind: 'floor' | 'peer';
  emulator: EmulatorHandle;
  /** Per room group: the voice channel (the room's id for these clients) and its users. */
  rooms: Map<number, { channelId: string; userIds: string[] }>;
  server: ReferenceProcess;
  source: VoiceChanges;
  /** Server RSS once it holds the guild, before any client connects. */
  rssBefore: number;
  close(): Promise<void>;
}

export async function startSameJob(
  kind: 'floor' | 'peer',
  fleet: Fleet,
  options: { connections: number; resourceLimits: 'discord' | 'off'; cpu?: string; nodeBin?: string },
): Promise<SameJobTarget> {
  const emulator = await startEmulator({ port: 0, extraUsers: options.connections, rateLimits: 'off', resourceLimits: options.resourceLimits });
  try {
    const rooms = new Map<number, { channelId: string; userIds: string[] }>();
    const guildId = emulator.guildId;
    for (const [group, room] of fleet.rooms) {
      const channel = emulator.state.createChannel(guildId, { name: `bench-room-${group}`, type: ChannelType.GuildVoice });
      const userIds = room.clients.map((client) => {
        const username = fleet.specs[client]!.username;
        const user = emulator.state.findUser(username);
        if (!user) throw new Error(`the ${kind} emulator has no user ${username}`);
        return user.id;
      });
      for (const userId of userIds) emulator.state.setVoiceState(guildId, userId, { channelId: channel.id });
      rooms.set(group, { channelId: channel.id, userIds });
    }
    // Started once everyone is in voice: its GUILD_CREATE carries the voice states, nothing is in flight.
    const server = await startGatewayReference(kind, emulator, options.cpu, options.nodeBin);
    return {
      kind,
      emulator,
      rooms,
      server,
      source: new VoiceChanges(emulator, rooms, kind),
      rssBefore: rssBytes(server.pid),
      async close() {
        await server.stop().catch(() => undefined);
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
