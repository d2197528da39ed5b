import { FakeClock, flushMicrotasks } from '@repo/platform/testing';
import type { RoomSnapshot, VoiceMember } from '@repo/protocol';
import { RealtimeClient } from './realtime-client.ts';
import type { NetworkSignals, RealtimeEnvironment, SocketHandlers, TokenResult } from './realtime-environment.ts';

/**
 * The client against a small deterministic fake of the browser and the server: the platform's
 * FakeClock, sockets the test opens, answers and closes, and a token endpoint the test controls.
 */
export class FakeSocket {
  readonly sent: Array<Record<string, unknown>> = [];
  closedByClient: { code?: number; reason?: string } | null = null;
  constructor(
    readonly url: string,
    private readonly handlers: SocketHandlers,
    private readonly clock: FakeClock,
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number, reason?: string) {
    this.closedByClient = { code, reason };
  }
  // server side
  open() {
    this.handlers.open();
  }
  frame(message: Record<string, unknown>) {
    this.handlers.message(JSON.stringify({ v: 1, ts: this.clock.now(), ...message }));
  }
  raw(text: string) {
    this.handlers.message(text);
  }
  serverClose(code: number, reason = '') {
    this.handlers.close(code, reason);
  }
  types() {
    return this.sent.map((m) => (m.type === 'subscribe' || m.type === 'unsubscribe' ? `${m.type}:${String(m.room)}` : String(m.type)));
  }
}

/** Lets the client's promise chains (a token fetch, say) run: one turn of the event loop. */
export const flush = flushMicrotasks;

export const ROOM = 'room000001';

export function member(userId: string, flags: Partial<VoiceMember> = {}): VoiceMember {
  return { userId, username: userId, globalName: null, avatarUrl: null, selfMute: false, selfDeaf: false, mute: false, deaf: false, streaming: false, video: false, signedIn: true, ...flags };
}

export function snapshot(seq: number, voice: VoiceMember[] = [], roomId = ROOM): RoomSnapshot {
  return {
    roomId,
    room: { id: roomId, name: 'Game night', creatorId: 'alice', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false },
    players: [{ userId: 'alice', username: 'alice', globalName: null, avatarUrl: null, creator: true }],
    spectators: [],
    voice,
    seq,
  };
}

export interface Harness {
  client: RealtimeClient;
  clock: FakeClock;
  sockets: FakeSocket[];
  tokens: TokenResult[];
  tokenCalls: number;
  online: boolean;
  signals: NetworkSignals | null;
  signedOut: string[];
  randoms: number[];
  socket(): FakeSocket;
}

export function harness(): Harness {
  const clock = new FakeClock({ startMs: 1_000_000 });
  const h: Harness = {
    client: undefined as unknown as RealtimeClient,
    clock,
    sockets: [],
    tokens: [],
    tokenCalls: 0,
    online: true,
    signals: null,
    signedOut: [],
    randoms: [],
    socket: () => h.sockets.at(-1)!,
  };
  const env: RealtimeEnvironment = {
    socketUrl: () => 'ws://app.test/api/ws',
    fetchToken: async () => {
      h.tokenCalls++;
      return h.tokens.shift() ?? { kind: 'token', token: `token-${h.tokenCalls}` };
    },
    openSocket: (url, handlers) => {
      const s = new FakeSocket(url, handlers, clock);
      h.sockets.push(s);
      return s;
    },
    clock,
    random: () => h.randoms.shift() ?? 0.5,
    isOnline: () => h.online,
    watchNetwork: (signals) => {
      h.signals = signals;
      return () => (h.signals = null);
    },
    signedOut: (url) => h.signedOut.push(url),
  };
  h.client = new RealtimeClient(env);
  return h;
}

/** Starts the client and takes its connection to live. */
export async function connect(h: Harness): Promise<FakeSocket> {
  h.client.start();
  await flush();
  const s = h.socket();
  s.open();
  s.frame({ type: 'ack', event: 'auth.ok', userId: 'alice' });
  s.frame({ type: 'event', event: 'gateway.status', payload: { live: true, state: 'CONNECTED' } });
  return s;
}

/** Answers the client's latest subscribe for `roomId` the way the hub does. */
export function answerSubscribe(s: FakeSocket, snap: RoomSnapshot) {
  s.frame({ type: 'ack', event: 'subscribed', room: snap.roomId });
  s.frame({ type: 'event', event: 'room.snapshot', payload: snap });
}

export function voiceIds(h: Harness, roomId = ROOM) {
  return h.client.room(roomId)?.view?.voice.map((m) => m.userId);
}
