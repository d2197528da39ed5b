import { beforeEach, describe, expect, it } from 'vitest';
import { type Harness, ROOM, answerSubscribe, connect, harness, snapshot } from './realtime-test-harness.ts';

// A Discord server's outage (issue 17) as the connection keeps it: the servers in an outage come with
// the Gateway status; a status without the list keeps it; a server's return resyncs what is shown.

let h: Harness;
beforeEach(() => {
  h = harness();
});

const status = (payload: object) => ({ type: 'event' as const, event: 'gateway.status', payload: { live: true, state: 'CONNECTED', ...payload } });

describe('RealtimeClient: servers in an outage', () => {
  it('keeps the outage list through a status that does not carry it', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(0));
    s.frame(status({ unavailableGuilds: ['g2'] }));
    expect(h.client.getState().gateway?.unavailableGuilds).toEqual(['g2']);
    s.frame(status({ live: false, state: 'RECONNECTING' }));
    expect(h.client.getState().gateway).toEqual({ live: false, state: 'RECONNECTING', unavailableGuilds: ['g2'] });
    expect(h.client.room(ROOM)?.sync).toBe('live');
  });

  it('resyncs the rooms shown when a server comes back, and not when one more goes down', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(0));
    s.frame(status({ unavailableGuilds: ['g2'] }));
    s.frame(status({ unavailableGuilds: ['g2', 'g3'] }));
    expect(h.client.room(ROOM)?.sync).toBe('live');
    s.frame(status({ unavailableGuilds: ['g3'] }));
    expect(h.client.getState().gateway?.unavailableGuilds).toEqual(['g3']);
    expect(h.client.room(ROOM)?.sync).toBe('resyncing');
  });

  it('an empty list ends every outage', async () => {
    const s = await connect(h);
    s.frame(status({ unavailableGuilds: ['g2'] }));
    s.frame(status({ unavailableGuilds: [] }));
    expect(h.client.getState().gateway?.unavailableGuilds).toEqual([]);
  });
});
