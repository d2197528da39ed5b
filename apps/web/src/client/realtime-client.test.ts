import type { RoomSnapshot, VoiceMember } from '@repo/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { type NetworkSignals, RealtimeClient, type RealtimeEnvironment, type SocketHandlers, type TokenResult } from './realtime-client.ts';

/**
 * The client against a small deterministic fake of the browser and the server: a manual clock,
 * sockets the test opens, answers and closes, and a token endpoint the test controls.
 */
class FakeSocket {
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
    this.handlers.message(JSON.stringify({ v: 1, ts: this.clock.now, ...message }));
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

class FakeClock {
  now = 1_000_000;
  #timers: Array<{ id: number; at: number; fn: () => void }> = [];
  #next = 1;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.push({ id, at: this.now + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  };
  pending() {
    return this.#timers.map((t) => t.at - this.now).sort((a, b) => a - b);
  }
  async advance(ms: number) {
    const until = this.now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const due = this.#timers[0];
      if (!due || due.at > until) break;
      this.#timers.shift();
      this.now = due.at;
      due.fn();
      await flush();
    }
    this.now = until;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const ROOM = 'room000001';

function member(userId: string, flags: Partial<VoiceMember> = {}): VoiceMember {
  return { userId, username: userId, globalName: null, avatarUrl: null, selfMute: false, selfDeaf: false, mute: false, deaf: false, streaming: false, video: false, signedIn: true, ...flags };
}

function snapshot(seq: number, voice: VoiceMember[] = [], roomId = ROOM): RoomSnapshot {
  return {
    roomId,
    room: { id: roomId, name: 'Game night', creatorId: 'alice', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null },
    players: [{ userId: 'alice', username: 'alice', globalName: null, avatarUrl: null, creator: true }],
    spectators: [],
    voice,
    seq,
  };
}

interface Harness {
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

function harness(): Harness {
  const clock = new FakeClock();
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
    now: () => clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
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
async function connect(h: Harness): Promise<FakeSocket> {
  h.client.start();
  await flush();
  const s = h.socket();
  s.open();
  s.frame({ type: 'ack', event: 'auth.ok', userId: 'alice' });
  s.frame({ type: 'event', event: 'gateway.status', payload: { live: true, state: 'CONNECTED' } });
  return s;
}

/** Answers the client's latest subscribe for `roomId` the way the hub does. */
function answerSubscribe(s: FakeSocket, snap: RoomSnapshot) {
  s.frame({ type: 'ack', event: 'subscribed', room: snap.roomId });
  s.frame({ type: 'event', event: 'room.snapshot', payload: snap });
}

function voiceIds(h: Harness, roomId = ROOM) {
  return h.client.room(roomId)?.view?.voice.map((m) => m.userId);
}

let h: Harness;
beforeEach(() => {
  h = harness();
});

describe('RealtimeClient: connecting', () => {
  it('fetches a token, authenticates with it first, goes live and subscribes watched rooms', async () => {
    h.client.watchRoom(ROOM);
    expect(h.client.getState().status).toBe('idle');
    h.client.start();
    expect(h.client.getState().status).toBe('connecting');
    await flush();
    const s = h.socket();
    expect(s.url).toBe('ws://app.test/api/ws');
    s.open();
    expect(s.sent[0]).toMatchObject({ v: 1, type: 'auth', token: 'token-1' });
    s.frame({ type: 'ack', event: 'auth.ok', userId: 'alice' });
    expect(h.client.getState().status).toBe('live');
    expect(s.types()).toEqual(['auth', `subscribe:${ROOM}`]);
    s.frame({ type: 'event', event: 'gateway.status', payload: { live: true, state: 'CONNECTED' } });
    expect(h.client.getState().gateway).toEqual({ live: true, state: 'CONNECTED' });
  });

  it('applies the snapshot, then events; a gap triggers a resubscribe and the fresh snapshot wins', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(10, [member('alice')]));
    expect(h.client.room(ROOM)?.sync).toBe('live');

    s.frame({ type: 'event', event: 'voice.joined', payload: { roomId: ROOM, seq: 11, member: member('bob') } });
    s.frame({ type: 'event', event: 'voice.updated', payload: { roomId: ROOM, seq: 12, member: member('bob', { selfMute: true }) } });
    expect(voiceIds(h)).toEqual(['alice', 'bob']);
    expect(h.client.room(ROOM)?.view?.voice[1]?.selfMute).toBe(true);

    // seq 13 never arrives.
    s.frame({ type: 'event', event: 'voice.left', payload: { roomId: ROOM, seq: 14, userId: 'alice' } });
    expect(s.types().filter((t) => t === `subscribe:${ROOM}`)).toHaveLength(2);
    expect(h.client.room(ROOM)?.sync).toBe('resyncing');
    // Later events of the old stream do not trigger more resubscribes.
    s.frame({ type: 'event', event: 'voice.joined', payload: { roomId: ROOM, seq: 15, member: member('carol') } });
    expect(s.types().filter((t) => t === `subscribe:${ROOM}`)).toHaveLength(2);

    answerSubscribe(s, snapshot(15, [member('bob'), member('carol')]));
    expect(voiceIds(h)).toEqual(['bob', 'carol']);
    s.frame({ type: 'event', event: 'voice.left', payload: { roomId: ROOM, seq: 16, userId: 'bob' } });
    expect(voiceIds(h)).toEqual(['carol']);
  });

  it('parses every frame: junk, other versions and malformed payloads are ignored', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(0));
    s.raw('not json');
    s.raw(JSON.stringify({ v: 2, type: 'event', event: 'voice.joined', payload: {}, ts: 1 }));
    s.frame({ type: 'event', event: 'room.snapshot', payload: { roomId: ROOM, seq: 'x' } });
    s.frame({ type: 'event', event: 'gateway.status', payload: { live: 'yes' } });
    expect(h.client.getState().status).toBe('live');
    expect(h.client.room(ROOM)?.view?.seq).toBe(0);
    // A room event that does not parse cannot be applied: resync.
    s.frame({ type: 'event', event: 'voice.joined', payload: { roomId: ROOM, seq: 1, member: { userId: 'bob' } } });
    expect(h.client.room(ROOM)?.sync).toBe('resyncing');
  });
});

describe('RealtimeClient: reconnecting', () => {
  it('reconnects after a drop with full-jitter backoff 1 s → 16 s and a fresh token every time', async () => {
    h.client.watchRoom(ROOM);
    const first = await connect(h);
    answerSubscribe(first, snapshot(3, [member('bob')]));

    h.randoms = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    first.serverClose(1006);
    expect(h.client.getState().status).toBe('reconnecting');
    const delays: number[] = [];
    const tokens: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const [next] = h.clock.pending();
      delays.push(next!);
      await h.clock.advance(next!);
      await flush();
      // Each attempt authenticates with its own fresh token, then fails before auth.ok.
      h.socket().open();
      tokens.push(h.socket().sent[0]?.token);
      h.socket().serverClose(1006);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(h.tokenCalls).toBe(7);
    expect(tokens).toEqual(['token-2', 'token-3', 'token-4', 'token-5', 'token-6', 'token-7']);
    // After five failures in a row the page says offline, and keeps trying at the cap.
    expect(h.client.getState()).toMatchObject({ status: 'offline', offlineReason: 'unreachable' });
    expect(h.clock.pending()).toEqual([8_000]);

    // The next attempt works: live again, the room resubscribed and converged to the truth.
    await h.clock.advance(8_000);
    await flush();
    const s = h.socket();
    s.open();
    expect(s.sent[0]).toMatchObject({ type: 'auth', token: 'token-8' });
    s.frame({ type: 'ack', event: 'auth.ok', userId: 'alice' });
    expect(h.client.getState()).toMatchObject({ status: 'live', failures: 0 });
    expect(s.types()).toContain(`subscribe:${ROOM}`);
    answerSubscribe(s, snapshot(9, []));
    expect(voiceIds(h)).toEqual([]);
  });

  it('does not loop on close codes whose retry flag is false (4008, 4009); Retry tries again', async () => {
    for (const code of [4008, 4009]) {
      h = harness();
      const s = await connect(h);
      s.serverClose(code, 'too many connections');
      expect(h.client.getState()).toMatchObject({ status: 'offline', offlineReason: 'refused', lastCloseCode: code });
      expect(h.clock.pending()).toEqual([]);
      // Coming back online or to the tab does not start a loop either.
      h.signals?.online();
      h.signals?.visible();
      await flush();
      expect(h.sockets).toHaveLength(1);
      h.client.retry();
      await flush();
      expect(h.sockets).toHaveLength(2);
      expect(h.client.getState().status).toBe('reconnecting');
    }
  });

  it('retries a bad token (4003) with a fresh token', async () => {
    const s = await connect(h);
    s.frame({ type: 'error', code: 'unauthenticated', error: 'The token is invalid or expired.' });
    s.serverClose(4003, 'invalid or expired token');
    expect(h.client.getState().status).toBe('reconnecting');
    await h.clock.advance(h.clock.pending()[0]!);
    h.socket().open();
    expect(h.socket().sent[0]).toMatchObject({ type: 'auth', token: 'token-2' });
  });

  it('goes to sign-in when the token endpoint says the session is gone, and stops', async () => {
    h.tokens = [{ kind: 'signed-out', loginUrl: '/auth/discord/login?returnTo=%2Frooms%2Fx' }];
    h.client.start();
    await flush();
    expect(h.signedOut).toEqual(['/auth/discord/login?returnTo=%2Frooms%2Fx']);
    expect(h.client.getState()).toMatchObject({ status: 'offline', offlineReason: 'signed-out' });
    expect(h.sockets).toHaveLength(0);
    expect(h.clock.pending()).toEqual([]);
  });

  it('retries when the token cannot be fetched', async () => {
    h.tokens = [{ kind: 'failed', message: '502' }];
    h.client.start();
    await flush();
    expect(h.sockets).toHaveLength(0);
    expect(h.client.getState().status).toBe('reconnecting');
    await h.clock.advance(h.clock.pending()[0]!);
    expect(h.sockets).toHaveLength(1);
  });

  it('gives up on an attempt that does not authenticate in time', async () => {
    h.client.start();
    await flush();
    h.socket().open(); // ...and the server never answers
    await h.clock.advance(10_000);
    expect(h.socket().closedByClient).not.toBeNull();
    expect(h.client.getState().status).toBe('reconnecting');
  });

  it('closes on the browser going offline and reconnects at once when it is back', async () => {
    const s = await connect(h);
    h.online = false;
    h.signals?.offline();
    expect(s.closedByClient).not.toBeNull();
    expect(h.client.getState()).toMatchObject({ status: 'offline', offlineReason: 'network' });
    // A late close event of the dead socket changes nothing.
    s.serverClose(1006);
    expect(h.clock.pending()).toEqual([]);
    h.online = true;
    h.signals?.online();
    await flush();
    expect(h.sockets).toHaveLength(2);
    expect(h.client.getState().status).toBe('reconnecting');
  });

  it('skips the wait when the tab becomes visible, and pings a live connection that may have slept', async () => {
    const s = await connect(h);
    h.randoms = [0.99];
    s.serverClose(1001);
    expect(h.clock.pending()[0]).toBe(990);
    h.signals?.visible();
    await flush();
    expect(h.sockets).toHaveLength(2);
    const s2 = h.socket();
    s2.open();
    s2.frame({ type: 'ack', event: 'auth.ok', userId: 'alice' });
    h.signals?.visible();
    expect(s2.types().at(-1)).toBe('ping');
    // No answer at all: the connection is dead; reconnect.
    await h.clock.advance(10_000);
    expect(s2.closedByClient).not.toBeNull();
    expect(h.client.getState().status).toBe('reconnecting');
  });

  it('pings while live and stays live while the server answers', async () => {
    const s = await connect(h);
    for (let i = 0; i < 3; i++) {
      await h.clock.advance(25_000);
      expect(s.types().at(-1)).toBe('ping');
      s.frame({ type: 'pong' });
    }
    await h.clock.advance(5_000);
    expect(h.client.getState().status).toBe('live');
    expect(h.sockets).toHaveLength(1);
  });

  it('stop() closes the socket and cancels every timer', async () => {
    const s = await connect(h);
    h.client.stop();
    expect(s.closedByClient).not.toBeNull();
    expect(h.clock.pending()).toEqual([]);
    expect(h.client.getState().status).toBe('idle');
    expect(h.signals).toBeNull();
  });
});

describe('RealtimeClient: rooms, lobby and Discord status', () => {
  it('resyncs every room when Discord comes back (R-RT9)', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room000002');
    const s = await connect(h);
    answerSubscribe(s, snapshot(1));
    answerSubscribe(s, snapshot(1, [], 'room000002'));
    const resyncs = h.client.getState().resyncs;
    s.frame({ type: 'event', event: 'gateway.status', payload: { live: false, state: 'RECONNECTING' } });
    expect(h.client.getState().gateway?.live).toBe(false);
    const before = s.sent.length;
    s.frame({ type: 'event', event: 'gateway.status', payload: { live: true, state: 'CONNECTED' } });
    expect(s.types().slice(before)).toEqual([`subscribe:${ROOM}`, 'subscribe:room000002']);
    expect(h.client.getState().resyncs).toBe(resyncs + 1);
  });

  it('one socket for every watcher; the last one to leave unsubscribes', async () => {
    const s = await connect(h);
    const a = h.client.watchRoom(ROOM);
    const b = h.client.watchRoom(ROOM);
    expect(s.types().filter((t) => t.startsWith('subscribe'))).toHaveLength(1);
    a();
    a();
    expect(s.types()).not.toContain(`unsubscribe:${ROOM}`);
    b();
    expect(s.types()).toContain(`unsubscribe:${ROOM}`);
    expect(h.client.room(ROOM)).toBeUndefined();
    expect(h.sockets).toHaveLength(1);
  });

  it('marks a refused subscription failed (an error naming no room answers the oldest subscribe in flight)', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room-2');
    const s = await connect(h);
    s.frame({ type: 'error', code: 'rate_limited', error: 'At most 20 rooms per connection.' });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'failed', error: { code: 'rate_limited' } });
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.' });
    expect(h.client.room('room-2')).toMatchObject({ sync: 'revoked', error: { code: 'forbidden' } });
  });

  it('fails the room an error names, whichever subscribe was sent first', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room-2');
    const s = await connect(h);
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: 'room-2' });
    expect(h.client.room('room-2')).toMatchObject({ sync: 'revoked', error: { code: 'forbidden' } });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'pending' });
  });

  it('ends a live room the server revoked: no more events applied, no unsubscribe when leaving', async () => {
    const stop = h.client.watchRoom(ROOM);
    h.client.watchRoom('room000002');
    const s = await connect(h);
    answerSubscribe(s, snapshot(2, [member('bob')]));
    // the other room's subscribe is still in flight: the error names ROOM, so it must not be taken for the other room's answer.
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: ROOM });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'revoked', error: { code: 'forbidden', message: 'You cannot watch this room.' } });
    expect(h.client.room('room000002')).toMatchObject({ sync: 'pending', error: null });
    s.frame({ type: 'event', event: 'voice.left', payload: { roomId: ROOM, seq: 3, userId: 'bob' } });
    expect(voiceIds(h)).toEqual(['bob']);
    answerSubscribe(s, snapshot(0, [], 'room000002'));
    expect(h.client.room('room000002')).toMatchObject({ sync: 'live' });
    stop();
    expect(s.types()).not.toContain(`unsubscribe:${ROOM}`);
  });

  it('ignores an error for a room this tab does not watch', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(1));
    const before = h.client.room(ROOM);
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: 'elsewhere' });
    expect(h.client.room(ROOM)).toBe(before);
    expect(h.client.room('elsewhere')).toBeUndefined();
  });

  it('keeps a closed room closed when the end of its subscription follows room.deleted', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(2));
    s.frame({ type: 'event', event: 'room.deleted', payload: { roomId: ROOM, seq: 3, reason: 'idle' } });
    s.frame({ type: 'error', code: 'not_found', error: 'This room has been closed.', room: ROOM });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'deleted', deleted: 'idle' });
  });

  it('ends a room at room.deleted without unsubscribing (the server already ended it)', async () => {
    const stop = h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(2));
    s.frame({ type: 'event', event: 'room.deleted', payload: { roomId: ROOM, seq: 3, reason: 'closed' } });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'deleted', deleted: 'closed' });
    stop();
    expect(s.types()).not.toContain(`unsubscribe:${ROOM}`);
  });

  it('shows the seeded snapshot until the socket’s own arrives', async () => {
    h.client.watchRoom(ROOM, snapshot(4, [member('bob')]));
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'pending', view: { seq: 4 } });
    const s = await connect(h);
    answerSubscribe(s, snapshot(6, []));
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'live', view: { seq: 6, voice: [] } });
  });

  it('keeps the lobby from live events; an HTTP fetch overtaken by an event is dropped', async () => {
    const s = await connect(h);
    const listing = (name: string) => ({ id: 'room000001', name, creatorId: 'alice', players: 1, playerLimit: 4, inVoice: 0, role: 'creator' as const });
    expect(h.client.lobby()).toBeNull();
    const before = h.client.lobby()?.version ?? 0;
    s.frame({ type: 'event', event: 'lobby.rooms', payload: { rooms: [listing('from the socket')] } });
    h.client.offerLobby([listing('stale fetch')], before);
    expect(h.client.lobby()?.rooms[0]?.name).toBe('from the socket');
    h.client.offerLobby([listing('fresh fetch')], h.client.lobby()!.version);
    expect(h.client.lobby()?.rooms[0]?.name).toBe('fresh fetch');
  });

  it('tracks the server clock for countdowns', async () => {
    const s = await connect(h);
    s.raw(JSON.stringify({ v: 1, type: 'pong', ts: h.clock.now + 5_000 }));
    expect(h.client.getState().clockSkewMs).toBe(5_000);
  });
});
