import { beforeEach, describe, expect, it } from 'vitest';
import { type Harness, ROOM, answerSubscribe, connect, flush, harness, member, snapshot, voiceIds } from './realtime-test-harness.ts';

// The connection's state machine (realtime-connection.ts) through the client's façade: token, auth,
// frames, backoff, close codes, network and visibility signals, pings, the server's clock.

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

  it('tracks the server clock for countdowns', async () => {
    const s = await connect(h);
    s.raw(JSON.stringify({ v: 1, type: 'pong', ts: h.clock.now() + 5_000 }));
    expect(h.client.getState().clockSkewMs).toBe(5_000);
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
