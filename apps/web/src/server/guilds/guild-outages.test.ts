import type { GatewayDomainEvent } from '@repo/discord-gateway';
import type { GatewayStatusPayload } from '@repo/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ALL_TOPIC, MemoryEventBus } from '../realtime/event-bus.ts';
import { GuildEvents } from './guild-events.ts';
import { GuildOutages } from './guild-outages.ts';
import { MemoryGuildRegistry } from './guild-registry.ts';

const X = '100000000000000001';
const Y = '100000000000000002';
const log = pino({ level: 'silent' });

/** One instance: its own outage list, its GuildEvents (for the shards it holds), and what its browsers were last told. */
function instance(bus: MemoryEventBus, registry: MemoryGuildRegistry) {
  const outages = new GuildOutages();
  const told: GatewayStatusPayload[] = [];
  bus.subscribe((m) => {
    // As wire.ts hands a status to the hub.
    if (m.event === 'gateway.status') told.push(m.payload.outage ? outages.received(m.payload) : m.payload);
  });
  const events = new GuildEvents({
    registry,
    places: { forget: () => undefined },
    outages: { list: outages, publish: (outage) => bus.publish(ALL_TOPIC, 'gateway.status', { live: true, state: 'CONNECTED', outage }) },
    log,
  });
  return { outages, told, events, lastList: () => told.at(-1)?.unavailableGuilds };
}

const meta = { sequence: 1, receivedAt: 0, source: 'dispatch', shardId: 0 } as const;
const down = (guildId: string): GatewayDomainEvent => ({ ...meta, type: 'guild.unavailable', guildId });
const up = (guildId: string): GatewayDomainEvent => ({ ...meta, type: 'guild.available', guildId, name: guildId, ownerId: null });

describe('outages across instances (review 17 S4)', () => {
  it('two servers going down on two different holders at once: every instance ends with both; one returning leaves the other', async () => {
    const bus = new MemoryEventBus();
    const registry = new MemoryGuildRegistry();
    await registry.available({ id: X, name: 'X' });
    await registry.available({ id: Y, name: 'Y' });
    const a = instance(bus, registry); // holds X's shard
    const b = instance(bus, registry); // holds Y's shard
    await Promise.all([a.events.handle(down(X)), b.events.handle(down(Y))]);
    for (const i of [a, b]) {
      expect(i.outages.list()).toEqual([X, Y]);
      expect(i.lastList()).toEqual([X, Y]);
      // Browsers never see the change itself, only the whole list.
      expect(i.told.every((p) => p.outage === undefined)).toBe(true);
    }
    await a.events.handle(up(X));
    for (const i of [a, b]) {
      expect(i.outages.list()).toEqual([Y]);
      expect(i.lastList()).toEqual([Y]);
    }
    // A repeated GUILD_DELETE for a server already out publishes nothing more.
    const before = a.told.length;
    await b.events.handle(down(Y));
    expect(a.told.length).toBe(before);
  });

  it('an instance that starts during an outage seeds its list from the registry; the return is told to it though its holder restarted too', async () => {
    const bus = new MemoryEventBus();
    const registry = new MemoryGuildRegistry();
    await registry.available({ id: X, name: 'X' });
    await registry.available({ id: Y, name: 'Y' });
    await registry.unavailable(Y);
    const late = instance(bus, registry);
    await late.outages.seed(registry);
    expect(late.outages.list()).toEqual([Y]);
    // A new holder whose own list was never seeded still tells everyone Y is back (the registry said it was out).
    const holder = instance(bus, registry);
    await holder.events.handle(up(Y));
    expect(late.outages.list()).toEqual([]);
    expect(late.lastList()).toEqual([]);
  });

  it('a status without a change (a shard\'s state) passes as it came', () => {
    const outages = new GuildOutages();
    outages.set(X, true);
    const payload = { live: false, state: 'RECONNECTING' };
    expect(outages.received(payload)).toBe(payload);
    expect(outages.list()).toEqual([X]);
  });
});
