import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { parseConnectionParams } from './connection-params.ts';
import { gatewayUrl } from './gateway-server.ts';
import { GatewaySession } from './session.ts';
import { SessionRegistry } from './session-registry.ts';
import { shardOfGuild } from './sharding.ts';

const session = (maxBuffered = 100) =>
  new GatewaySession({ id: 's', intents: 1, shard: [0, 1], maxBuffered, now: 0 });

describe('GatewaySession', () => {
  it('replays only what comes after the given seq, and rejects a seq from the future', () => {
    const s = session();
    for (let i = 0; i < 4; i++) s.dispatch(GatewayDispatchEvents.ChannelUpdate, { i });
    const replay = s.replayAfter(2);
    expect(replay.kind === 'replay' && replay.frames.map((f) => JSON.parse(f).s)).toEqual([3, 4]);
    expect(s.replayAfter(5)).toEqual({ kind: 'invalid-seq' });
  });

  it('cannot replay past its buffer cap: a RESUME from before the evicted part is refused', () => {
    const s = session(2);
    for (let i = 0; i < 5; i++) s.dispatch(GatewayDispatchEvents.ChannelUpdate, { i });
    expect(s.replayAfter(2)).toEqual({ kind: 'too-old' });
    expect(s.replayAfter(3).kind).toBe('replay');
  });

  it('numbers RESUMED but never replays it', () => {
    const s = session();
    s.dispatch(GatewayDispatchEvents.Ready, {});
    s.dispatchUnbuffered(GatewayDispatchEvents.Resumed, {});
    s.dispatch(GatewayDispatchEvents.ChannelUpdate, {});
    const replay = s.replayAfter(0);
    expect(replay.kind === 'replay' && replay.frames.map((f) => JSON.parse(f).t)).toEqual(['READY', 'CHANNEL_UPDATE']);
    expect(s.seq).toBe(3);
  });
});

describe('SessionRegistry', () => {
  it('a forgotten session with a socket lives until the socket lets go, then is gone', () => {
    const registry = new SessionRegistry({ resumeWindowMs: 1000, maxBufferedDispatches: 10, now: () => 0 });
    const s = registry.create(1, [0, 1]);
    const sink = { deliver() {} };
    s.attach(sink);
    registry.forgetAll();
    expect([...registry.all()]).toHaveLength(1);
    registry.release(s, sink);
    expect(registry.findResumable(s.id)).toBeUndefined();
  });
});

describe('connection URL and routing helpers', () => {
  it('advertises the /gateway endpoint as resume_gateway_url', () => {
    expect(gatewayUrl('ws://127.0.0.1:3000')).toBe('ws://127.0.0.1:3000/gateway');
    expect(gatewayUrl('http://localhost:3000/')).toBe('ws://localhost:3000/gateway');
    expect(gatewayUrl('wss://emu.example/custom-gw')).toBe('wss://emu.example/custom-gw');
  });

  it('accepts v=10 with json or zlib-stream and refuses the rest', () => {
    expect(parseConnectionParams('/gateway?v=10&encoding=json')).toEqual({ compression: 'none' });
    expect(parseConnectionParams('/gateway?v=10&encoding=json&compress=zlib-stream')).toEqual({ compression: 'zlib-stream' });
    expect(parseConnectionParams('/gateway?v=6')).toMatchObject({ code: 4012 });
  });

  it("routes guilds to shards with Discord's formula", () => {
    // (id >> 22) % n: the timestamp part decides.
    const id = ((5n << 22n) | 123n).toString();
    expect(shardOfGuild(id, 2)).toBe(1);
    expect(shardOfGuild(id, 5)).toBe(0);
  });
});
