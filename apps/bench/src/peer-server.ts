/**
 * The peer: the app's real-time job as most people would write it — a discord.js `Client`
 * listening to `voiceStateUpdate`, and a `ws` server fanning each change out to the sockets of the
 * room (the voice channel). discord.js keeps the voice states in its caches; this code keeps only
 * the sockets and a sequence number per room.
 *
 * Clients subscribe with `?channel=<voice channel id>` and get the room's snapshot first. Run as a
 * child process of the bench (the servers' core) with DISCORD_API_URL, DISCORD_BOT_TOKEN,
 * DISCORD_GUILD_ID; reports `{type: 'listening', port}` once the client is ready.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Events, GatewayIntentBits, type GuildMember, type VoiceState } from 'discord.js';
import { type WebSocket, WebSocketServer } from 'ws';

const apiUrl = process.env.DISCORD_API_URL ?? '';
const guildId = process.env.DISCORD_GUILD_ID ?? '';

const sockets = new Map<string, Set<WebSocket>>();
const seqs = new Map<string, number>();

function memberJson(member: GuildMember | null, state: VoiceState) {
  return {
    userId: state.id,
    username: member?.user.username ?? 'unknown',
    globalName: member?.user.globalName ?? null,
    avatarUrl: member?.user.avatarURL({ size: 64 }) ?? null,
    selfMute: state.selfMute ?? false,
    selfDeaf: state.selfDeaf ?? false,
    mute: state.serverMute ?? false,
    deaf: state.serverDeaf ?? false,
    streaming: state.streaming ?? false,
    video: state.selfVideo ?? false,
    signedIn: true,
  };
}

function broadcast(channelId: string, event: string, payload: Record<string, unknown>): void {
  const seq = (seqs.get(channelId) ?? 0) + 1;
  seqs.set(channelId, seq);
  const now = Date.now();
  const message = JSON.stringify({ v: 1, type: 'event', event, payload: { roomId: channelId, ...payload, receivedAt: now, seq }, ts: now });
  for (const ws of sockets.get(channelId) ?? []) ws.send(message);
}

const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
  rest: { api: apiUrl },
});

client.on(Events.VoiceStateUpdate, (oldState, newState) => {
  if (newState.guild.id !== guildId) return;
  if (oldState.channelId && oldState.channelId !== newState.channelId) {
    broadcast(oldState.channelId, 'voice.left', { userId: newState.id });
  }
  if (newState.channelId) {
    const event = oldState.channelId === newState.channelId ? 'voice.updated' : 'voice.joined';
    broadcast(newState.channelId, event, { member: memberJson(newState.member, newState) });
  }
});

const server = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const channelId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('channel') ?? '';
  let set = sockets.get(channelId);
  if (!set) sockets.set(channelId, (set = new Set()));
  set.add(ws);
  ws.on('close', () => set.delete(ws));
  const channel = client.channels.cache.get(channelId);
  const members = channel?.isVoiceBased() ? channel.members.map((m) => memberJson(m, m.voice)) : [];
  const now = Date.now();
  ws.send(JSON.stringify({ v: 1, type: 'event', event: 'room.snapshot', payload: { roomId: channelId, members, seq: seqs.get(channelId) ?? 0 }, ts: now }));
});

const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
await client.login(process.env.DISCORD_BOT_TOKEN ?? '');
await ready;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', port });
});
const stop = () => {
  void client.destroy().finally(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
