import type { GatewayDomainEvent } from '@repo/discord-gateway';
import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.ts';

/** The per-event counters count in plain numbers and reach prom-client when the registry is read. */

const voice = (type: 'voice.joined' | 'voice.updated') => ({ type }) as GatewayDomainEvent;
const line = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(name)) ?? null;

describe('Metrics: hot-path counters', () => {
  it('every count made before a read is in it, once; counts after it go to the next read', async () => {
    const m = new Metrics();
    m.gatewayEvent(voice('voice.updated'));
    m.gatewayEvent(voice('voice.updated'));
    m.gatewayEvent(voice('voice.joined'));
    m.hub({ kind: 'delivered', event: 'voice.updated', frames: 4, latencyMs: 2 });
    m.hub({ kind: 'delivered', event: 'voice.updated', frames: 0, latencyMs: null });
    let text = await m.registry.metrics();
    expect(line(text, 'spellrooms_gateway_events_total{type="voice.updated"}')).toBe('spellrooms_gateway_events_total{type="voice.updated"} 2');
    expect(line(text, 'spellrooms_gateway_events_total{type="voice.joined"}')).toBe('spellrooms_gateway_events_total{type="voice.joined"} 1');
    expect(line(text, 'spellrooms_events_delivered_total{event="voice.updated"}')).toBe('spellrooms_events_delivered_total{event="voice.updated"} 2');
    expect(line(text, 'spellrooms_frames_written_total{event="voice.updated"}')).toBe('spellrooms_frames_written_total{event="voice.updated"} 4');
    expect(line(text, 'spellrooms_delivery_latency_seconds_count')).toBe('spellrooms_delivery_latency_seconds_count 1');

    // A second read without events in between: the same totals, nothing added twice.
    text = await m.registry.metrics();
    expect(line(text, 'spellrooms_gateway_events_total{type="voice.updated"}')).toBe('spellrooms_gateway_events_total{type="voice.updated"} 2');
    expect(line(text, 'spellrooms_frames_written_total{event="voice.updated"}')).toBe('spellrooms_frames_written_total{event="voice.updated"} 4');

    m.gatewayEvent(voice('voice.updated'));
    m.hub({ kind: 'delivered', event: 'voice.updated', frames: 3, latencyMs: 1 });
    text = await m.registry.metrics();
    expect(line(text, 'spellrooms_gateway_events_total{type="voice.updated"}')).toBe('spellrooms_gateway_events_total{type="voice.updated"} 3');
    expect(line(text, 'spellrooms_events_delivered_total{event="voice.updated"}')).toBe('spellrooms_events_delivered_total{event="voice.updated"} 3');
    expect(line(text, 'spellrooms_frames_written_total{event="voice.updated"}')).toBe('spellrooms_frames_written_total{event="voice.updated"} 7');
  });

  it('an event with no frames written shows no frames line for it', async () => {
    const m = new Metrics();
    m.hub({ kind: 'delivered', event: 'room.updated', frames: 0, latencyMs: null });
    const text = await m.registry.metrics();
    expect(line(text, 'spellrooms_events_delivered_total{event="room.updated"}')).toBe('spellrooms_events_delivered_total{event="room.updated"} 1');
    expect(line(text, 'spellrooms_frames_written_total{event="room.updated"}')).toBeNull();
  });
});
