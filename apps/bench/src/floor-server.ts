/**
 * The same-job floor: the app's real-time job done as lean as it can be, by hand. It connects to
 * the (emulated) Discord Gateway as the bot with a raw `ws` (identify, heartbeat, `JSON.parse`),
 * keeps a `Map` of voice states per voice channel, and writes each change — as the app's frame,
 * numbered per room — to the sockets subscribed to that room. No validation, no auth, no metrics,
 * no backpressure policy: what any implementation of the job has to do, and nothing else.
 *
 * Clients subscribe with `?channel=<voice channel id>` and get the room's snapshot first. Run as a
 * child process of the bench (the servers' core) with DISCORD_API_URL, DISCORD_BOT_TOKEN,
 * DISCORD_GUILD_ID; reports `{type: 'listening', port}` once the guild is loaded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

interface Member {
  userId: string;
  username: string;
  globalName: string | null;
  avatarUrl: string | null;
  selfMute: boolean;
  selfDeaf: boolean;
  mute: boolean;
  deaf: boolean;
  streaming: boolean;
  video: boolean;
  signedIn: boolean;
}

interface Room {
  members: Map<string, Member>;
  seq: number;
  sockets: Set<WebSocket>;
}

/** The parts of Discord's voice state and member objects this job reads. */
interface RawUser {
  id: string;
  username: string;
  global_name?: string | null;
  avatar?: string | null;
}
interface RawVoiceState {
  guild_id?: string;
  channel_id: string | null;
  user_id: string;
  member?: { user?: RawUser };
  self_mute: boolean;
  self_deaf: boolean;
  mute: boolean;
  deaf: boolean;
  self_stream?: boolean;
  self_video: boolean;
}

const apiUrl = process.env.DISCORD_API_URL ?? '';
const token = process.env.DISCORD_BOT_TOKEN ?? '';
const guildId = process.env.DISCORD_GUILD_ID ?? '';
const GUILDS = 1 << 0;
const GUILD_VOICE_STATES = 1 << 7;

const rooms = new Map<string, Room>();
/** Which channel each user is in (to leave the old room on a move). */
const channelOf = new Map<string, string>();
const users = new Map<string, RawUser>();

function room(channelId: string): Room {
  let r = rooms.get(channelId);
  if (!r) rooms.set(channelId, (r = { members: new Map(), seq: 0, sockets: new Set() }));
  return r;
}

function memberOf(v: RawVoiceState): Member {
  const user = v.member?.user ?? users.get(v.user_id);
  return {
    userId: v.user_id,
    username: user?.username ?? 'unknown',
    globalName: user?.global_name ?? null,
    avatarUrl: user?.avatar ? `https://cdn.discordapp.com/avatars/${v.user_id}/${user.avatar}.png?size=64` : null,
    selfMute: v.self_mute,
    selfDeaf: v.self_deaf,
    mute: v.mute,
    deaf: v.deaf,
    streaming: v.self_stream ?? false,
    video: v.self_video,
    signedIn: true,
  };
}

/** One serialization per event, then the same string to every socket of the room. */
function send(r: Room, frame: string): void {
  for (const ws of r.sockets) ws.send(frame);
}

function memberFrame(channelId: string, r: Room, event: 'voice.joined' | 'voice.updated', member: Member): string {
  const now = Date.now();
  return JSON.stringify({ v: 1, type: 'event', event, payload: { roomId: channelId, member, receivedAt: now, seq: ++r.seq }, ts: now });
}

function leftFrame(channelId: string, r: Room, userId: string): string {
  const now = Date.now();
  return JSON.stringify({ v: 1, type: 'event', event: 'voice.left', payload: { roomId: channelId, userId, receivedAt: now, seq: ++r.seq }, ts: now });
}

function onVoiceState(v: RawVoiceState): void {
  const before = channelOf.get(v.user_id);
  if (before !== undefined && before !== v.channel_id) {
    const old = room(before);
    old.members.delete(v.user_id);
    channelOf.delete(v.user_id);
    send(old, leftFrame(before, old, v.user_id));
  }
  if (v.channel_id === null) return;
  const r = room(v.channel_id);
  const member = memberOf(v);
  const prev = r.members.get(v.user_id);
  if (prev && sameFlags(prev, member)) return; // the job drops no-ops
  r.members.set(v.user_id, member);
  channelOf.set(v.user_id, v.channel_id);
  send(r, memberFrame(v.channel_id, r, prev ? 'voice.updated' : 'voice.joined', member));
}

function sameFlags(a: Member, b: Member): boolean {
  return a.selfMute === b.selfMute && a.selfDeaf === b.selfDeaf && a.mute === b.mute && a.deaf === b.deaf && a.streaming === b.streaming && a.video === b.video;
}

// ---- the Gateway, by hand ---------------------------------------------------------------------

let loaded: () => void;
const guildLoaded = new Promise<void>((resolve) => (loaded = resolve));

async function connectGateway(): Promise<void> {
  const res = await fetch(`${apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${token}` } });
  const { url } = (await res.json()) as { url: string };
  const gw = new WebSocket(`${url}?v=10&encoding=json`, { perMessageDeflate: false });
  let seq: number | null = null;
  let beat: NodeJS.Timeout | undefined;
  gw.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as { op: number; d: unknown; s: number | null; t: string | null };
    if (msg.s !== null) seq = msg.s;
    if (msg.op === 0) {
      if (msg.t === 'VOICE_STATE_UPDATE') {
        const v = msg.d as RawVoiceState;
        if (v.guild_id === guildId) onVoiceState(v);
      } else if (msg.t === 'GUILD_CREATE') {
        const g = msg.d as { id: string; members?: Array<{ user: RawUser }>; voice_states?: RawVoiceState[] };
        if (g.id !== guildId) return;
        for (const m of g.members ?? []) users.set(m.user.id, m.user);
        for (const v of g.voice_states ?? []) {
          if (!v.channel_id) continue;
          room(v.channel_id).members.set(v.user_id, memberOf(v));
          channelOf.set(v.user_id, v.channel_id);
        }
        loaded();
      }
    } else if (msg.op === 10) {
      const interval = (msg.d as { heartbeat_interval: number }).heartbeat_interval;
      beat = setInterval(() => gw.send(JSON.stringify({ op: 1, d: seq })), interval);
      gw.send(JSON.stringify({ op: 2, d: { token, intents: GUILDS | GUILD_VOICE_STATES, properties: { os: 'linux', browser: 'floor', device: 'floor' } } }));
    } else if (msg.op === 1) {
      gw.send(JSON.stringify({ op: 1, d: seq }));
    }
  });
  gw.on('close', (code) => {
    clearInterval(beat);
    console.error(`[floor] Gateway closed with ${code}`);
    process.exit(1);
  });
}

// ---- the browsers' side -----------------------------------------------------------------------

const server = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });
wss.on('connection', (ws, req) => {
  const channelId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('channel') ?? '';
  const r = room(channelId);
  r.sockets.add(ws);
  ws.on('close', () => r.sockets.delete(ws));
  ws.on('error', () => r.sockets.delete(ws));
  const now = Date.now();
  ws.send(JSON.stringify({ v: 1, type: 'event', event: 'room.snapshot', payload: { roomId: channelId, members: [...r.members.values()], seq: r.seq }, ts: now }));
});

await connectGateway();
await guildLoaded;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', port });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
