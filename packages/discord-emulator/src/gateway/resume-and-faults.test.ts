import { GatewayCloseCodes, GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, TEST_HEARTBEAT_MS, TEST_RESUME_WINDOW_MS, until, type Frame, type Harness, type RawGatewayClient } from './gateway-harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const ids = () => {
  const alice = h.state.findUser('alice')?.id ?? '';
  const bob = h.state.findUser('bob')?.id ?? '';
  const lounge = h.state.channels(h.guildId).find((c) => c.name === 'Lounge')?.id ?? '';
  return { alice, bob, lounge };
};

/** Three state changes, three dispatches in this order. */
const makeThreeChanges = () => {
  const { alice, bob, lounge } = ids();
  h.state.setVoiceState(h.guildId, alice, { channelId: lounge });
  h.state.setVoiceState(h.guildId, bob, { channelId: lounge });
  h.state.setVoiceState(h.guildId, alice, { channelId: null });
};

async function identified(): Promise<{ c: RawGatewayClient; sessionId: string }> {
  const c = await h.connect();
  const ready = await c.handshake(h.token);
  return { c, sessionId: ready.d.session_id as string };
}

async function resumeOnNewSocket(sessionId: string, seq: number): Promise<RawGatewayClient> {
  const c = await h.connect();
  expect((await c.next()).op).toBe(GatewayOpcodes.Hello);
  c.resume(h.token, sessionId, seq);
  return c;
}

/** Reads dispatches up to and including RESUMED. */
async function replayUntilResumed(c: RawGatewayClient): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const f = await c.next();
    frames.push(f);
    if (f.t === 'RESUMED') return frames;
  }
}

describe('dispatch delivery', () => {
  it('delivers state changes in order with consecutive sequence numbers', async () => {
    const { c } = await identified();
    makeThreeChanges();
    const got = [await c.next(), await c.next(), await c.next()];
    expect(got.map((f) => [f.t, f.s])).toEqual([
      ['VOICE_STATE_UPDATE', 3],
      ['VOICE_STATE_UPDATE', 4],
      ['VOICE_STATE_UPDATE', 5],
    ]);
    expect(got.map((f) => f.d.channel_id)).toEqual([ids().lounge, ids().lounge, null]);
  });

  it('respects intents: no voice states or member events without their intents', async () => {
    const c = await h.connect();
    await c.next();
    c.identify(h.token, { intents: 1 /* GUILDS */ });
    await c.nextDispatch('READY');
    const guild = await c.nextDispatch('GUILD_CREATE');
    expect(guild.d).not.toHaveProperty('voice_states');
    expect(guild.d.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([h.state.botUser().id]);
    makeThreeChanges();
    h.state.updateMember(h.guildId, ids().bob, { nick: 'Bobby' });
    h.state.createChannel(h.guildId, { name: 'room', type: 2 });
    const next = await c.next();
    expect(next).toMatchObject({ t: 'CHANNEL_CREATE', s: 3 });
  });

  it('speaks zlib-stream: every message ends on a sync flush and inflates to the same frames', async () => {
    const c = await h.connect('?v=10&encoding=json&compress=zlib-stream');
    const ready = await c.handshake(h.token);
    expect(ready.s).toBe(1);
    for (const raw of c.rawMessages) expect([...raw.subarray(-4)]).toEqual([0, 0, 0xff, 0xff]);
    makeThreeChanges();
    expect((await c.next()).s).toBe(3);
  });
});

describe('resuming', () => {
  it('after a drop, replays what was missed with the original seqs, then RESUMED', async () => {
    const { c, sessionId } = await identified();
    expect(h.gateway.injectFault({ kind: 'gateway.drop' })).toBe(1);
    expect((await c.closed).code).toBe(1006);
    makeThreeChanges();
    await until(() => h.gateway.stats().sessions[0]?.connected === false);

    const r = await resumeOnNewSocket(sessionId, 2);
    const frames = await replayUntilResumed(r);
    expect(frames.map((f) => [f.t, f.s])).toEqual([
      ['VOICE_STATE_UPDATE', 3],
      ['VOICE_STATE_UPDATE', 4],
      ['VOICE_STATE_UPDATE', 5],
      ['RESUMED', 6],
    ]);
    // Live again: the next change follows the RESUMED sequence.
    h.state.setVoiceState(h.guildId, ids().bob, { channelId: null });
    expect(await r.next()).toMatchObject({ t: 'VOICE_STATE_UPDATE', s: 7 });
    expect(h.gateway.stats()).toMatchObject({ identifies: 1, resumes: 1, connections: 1 });
    expect(h.gateway.stats().sessions).toEqual([{ sessionId, seq: 7, connected: true }]);
  });

  it('replays from any seq the client last saw, including the initial GUILD_CREATE', async () => {
    const { c, sessionId } = await identified();
    c.close(4200);
    await c.closed;
    const r = await resumeOnNewSocket(sessionId, 1);
    expect((await replayUntilResumed(r)).map((f) => f.t)).toEqual(['GUILD_CREATE', 'RESUMED']);
  });

  it('refuses with INVALID_SESSION d:false after forgetSessions(), and IDENTIFY then works on that socket', async () => {
    const { c, sessionId } = await identified();
    h.gateway.forgetSessions();
    h.gateway.injectFault({ kind: 'gateway.drop' });
    await c.closed;
    const r = await resumeOnNewSocket(sessionId, 2);
    expect(await r.next()).toEqual({ op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
    r.identify(h.token);
    const ready = await r.nextDispatch('READY');
    expect(ready.d.session_id).not.toBe(sessionId);
    expect(h.gateway.stats()).toMatchObject({ identifies: 2, resumes: 0 });
  });

  it('forgets a disconnected session once the resume window has passed', async () => {
    const { c, sessionId } = await identified();
    c.terminate();
    await until(() => h.gateway.stats().connections === 0);
    await h.clock.advance(TEST_RESUME_WINDOW_MS + 1);
    await until(() => h.gateway.stats().sessions.length === 0);
    const r = await resumeOnNewSocket(sessionId, 2);
    expect(await r.next()).toMatchObject({ op: GatewayOpcodes.InvalidSession, d: false });
  });

  it('keeps the session through the window (a RESUME just inside it succeeds)', async () => {
    const { c, sessionId } = await identified();
    c.terminate();
    await until(() => h.gateway.stats().connections === 0);
    await h.clock.advance(TEST_RESUME_WINDOW_MS - 1);
    const r = await resumeOnNewSocket(sessionId, 2);
    expect((await r.next()).t).toBe('RESUMED');
  });

  it('ends the session when the client closes with 1000 (Discord: 1000/1001 invalidate)', async () => {
    const { c, sessionId } = await identified();
    c.close(1000);
    await c.closed;
    const r = await resumeOnNewSocket(sessionId, 2);
    expect(await r.next()).toMatchObject({ op: GatewayOpcodes.InvalidSession, d: false });
  });

  it('closes 4007 for a seq the session never reached', async () => {
    const { c, sessionId } = await identified();
    c.close(4200);
    await c.closed;
    const r = await resumeOnNewSocket(sessionId, 99);
    expect((await r.closed).code).toBe(GatewayCloseCodes.InvalidSeq);
  });
});

describe('faults', () => {
  it('gateway.reconnect: op 7, the client closes and resumes without losing a dispatch', async () => {
    const { c, sessionId } = await identified();
    expect(h.gateway.injectFault({ kind: 'gateway.reconnect' })).toBe(1);
    expect(await c.next()).toEqual({ op: GatewayOpcodes.Reconnect, d: null, s: null, t: null });
    makeThreeChanges();
    expect(c.pending()).toEqual([]);
    c.close(4200);
    await c.closed;
    const r = await resumeOnNewSocket(sessionId, 2);
    expect((await replayUntilResumed(r)).map((f) => f.s)).toEqual([3, 4, 5, 6]);
  });

  it('gateway.reconnect: a client that ignores op 7 is closed 4000 after one interval, still resumable', async () => {
    const { c, sessionId } = await identified();
    h.gateway.injectFault({ kind: 'gateway.reconnect' });
    await c.next();
    await h.clock.advance(TEST_HEARTBEAT_MS + 1);
    expect((await c.closed).code).toBe(GatewayCloseCodes.UnknownError);
    const r = await resumeOnNewSocket(sessionId, 2);
    expect((await r.next()).t).toBe('RESUMED');
  });

  it('gateway.zombie: no ACKs and no dispatches on that socket; a fresh socket resumes everything', async () => {
    const { c, sessionId } = await identified();
    expect(h.gateway.injectFault({ kind: 'gateway.zombie' })).toBe(1);
    c.send(GatewayOpcodes.Heartbeat, 2);
    makeThreeChanges();
    await expect(c.next(150)).rejects.toThrow(/timed out/);
    // The zombie's heartbeats still count as "alive", so the server never times it out on its own.
    await h.clock.advance(TEST_HEARTBEAT_MS * 2);
    c.send(GatewayOpcodes.Heartbeat, 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(c.ws.readyState).toBe(c.ws.OPEN);

    c.close(4200); // what @discordjs/ws does when an ACK is missing
    await c.closed;
    const r = await resumeOnNewSocket(sessionId, 2);
    expect((await replayUntilResumed(r)).map((f) => f.s)).toEqual([3, 4, 5, 6]);
    r.send(GatewayOpcodes.Heartbeat, 6);
    expect((await r.next()).op).toBe(GatewayOpcodes.HeartbeatAck);
  });

  it('gateway.zombie: resuming from a new socket while the zombie is still open takes the session over', async () => {
    const { c, sessionId } = await identified();
    h.gateway.injectFault({ kind: 'gateway.zombie' });
    makeThreeChanges();
    const r = await resumeOnNewSocket(sessionId, 2);
    expect((await replayUntilResumed(r)).map((f) => f.s)).toEqual([3, 4, 5, 6]);
    expect((await c.closed).code).toBe(GatewayCloseCodes.UnknownError);
    expect(h.gateway.stats().sessions).toEqual([{ sessionId, seq: 6, connected: true }]);
  });

  it('gateway.invalidSession (not resumable): op 9 false, the session is gone, IDENTIFY starts a new one', async () => {
    const { c, sessionId } = await identified();
    expect(h.gateway.injectFault({ kind: 'gateway.invalidSession' })).toBe(1);
    expect(await c.next()).toEqual({ op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
    const r = await resumeOnNewSocket(sessionId, 2);
    expect(await r.next()).toMatchObject({ op: GatewayOpcodes.InvalidSession, d: false });
    c.identify(h.token);
    const ready = await c.nextDispatch('READY');
    expect(ready.d.session_id).not.toBe(sessionId);
    expect(ready.s).toBe(1);
  });

  it('gateway.invalidSession (resumable): op 9 true, RESUME on the same socket replays what was missed', async () => {
    const { c, sessionId } = await identified();
    expect(h.gateway.injectFault({ kind: 'gateway.invalidSession', resumable: true })).toBe(1);
    expect(await c.next()).toMatchObject({ op: GatewayOpcodes.InvalidSession, d: true });
    makeThreeChanges();
    c.resume(h.token, sessionId, 2);
    expect((await replayUntilResumed(c)).map((f) => [f.t, f.s])).toEqual([
      ['VOICE_STATE_UPDATE', 3],
      ['VOICE_STATE_UPDATE', 4],
      ['VOICE_STATE_UPDATE', 5],
      ['RESUMED', 6],
    ]);
  });

  it('faults only count sockets that hold a session', async () => {
    await identified();
    await identified();
    const bare = await h.connect();
    await bare.next();
    expect(h.gateway.injectFault({ kind: 'gateway.drop' })).toBe(2);
    expect(h.gateway.injectFault({ kind: 'gateway.drop' })).toBe(0);
    expect(bare.ws.readyState).toBe(bare.ws.OPEN);
  });
});
