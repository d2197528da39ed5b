/**
 * Load generation and measurement. An event source turns "an event for room g" into a real
 * input — a voice change in the emulator (the app path: Gateway dispatch → app → browsers) or a
 * control message to the reference server — and remembers when it did so. A phase paces events
 * open-loop at a target rate, then matches every received frame (room, sequence) to its send time.
 */
import type { EmulatorHandle } from '@repo/discord-emulator';
import type { WebSocket } from 'ws';
import { monoMs, sleep } from './clock.ts';
import type { CpuMeter, CpuUsage } from './cpu-meter.ts';
import { takeGc } from './gc-watch.ts';
import type { Fleet, Room } from './fleet.ts';
import { type LatencySummary, summarize } from './stats.ts';
import type { Target } from './worker-protocol.ts';
import { voiceMember } from '@repo/protocol/testing';

export interface EventSource {
  readonly target: Target;
  /** Starts a phase: sends are numbered from the room's current sequence. */
  begin(base: Map<number, number>): void;
  fire(group: number): void;
  /** Send times of this phase, per room; the k-th (0-based) is sequence base + k + 1. */
  readonly sent: Map<number, number[]>;
  readonly base: Map<number, number>;
}

/**
 * The app's real input: a member of the room toggles self-mute in the emulator, which dispatches
 * VOICE_STATE_UPDATE on the Gateway synchronously inside setVoiceState. Members take turns so
 * every change is a change (the app drops no-ops). The same-job references get the same input
 * from an emulator of their own (`target` floor or peer), so each target's Gateway connection
 * receives only its own events.
 */
export class VoiceChanges implements EventSource {
  readonly sent = new Map<number, number[]>();
  base = new Map<number, number>();
  readonly #muted = new Map<string, boolean>();
  readonly #turn = new Map<number, number>();

  constructor(
    private readonly emulator: EmulatorHandle,
    private readonly rooms: ReadonlyMap<number, Pick<Room, 'userIds'> & { guildId?: string }>,
    readonly target: Target = 'app',
  ) {}

  begin(base: Map<number, number>): void {
    this.base = base;
    this.sent.clear();
  }

  fire(group: number): void {
    const room = this.rooms.get(group)!;
    const turn = this.#turn.get(group) ?? 0;
    this.#turn.set(group, turn + 1);
    const userId = room.userIds[turn % room.userIds.length]!;
    const selfMute = !(this.#muted.get(userId) ?? false);
    this.#muted.set(userId, selfMute);
    let times = this.sent.get(group);
    if (!times) this.sent.set(group, (times = []));
    times.push(monoMs());
    this.emulator.state.setVoiceState(room.guildId ?? this.emulator.guildId, userId, { selfMute });
  }
}

/** The reference's input: one small JSON message per event on a control WebSocket. */
export class ReferenceEvents implements EventSource {
  readonly target = 'ref' as const;
  readonly sent = new Map<number, number[]>();
  base = new Map<number, number>();
  readonly #seq = new Map<number, number>();
  readonly #members = new Map<number, Array<Record<string, unknown>>>();
  readonly #turn = new Map<number, number>();

  constructor(
    private readonly control: WebSocket,
    private readonly rooms: Map<number, Room>,
    emulator: EmulatorHandle,
  ) {
    // The member object the app would build (VoiceMember in @repo/protocol), so frames match in size.
    for (const [g, room] of rooms) {
      this.#members.set(
        g,
        room.userIds.map((id) => {
          const user = emulator.state.user(id);
          return voiceMember(id, {
            username: user.username,
            globalName: user.global_name ?? null,
            avatarUrl: user.avatar ? `${emulator.url}/avatars/${id}/${user.avatar}.png?size=64` : null,
          });
        }),
      );
    }
  }

  begin(base: Map<number, number>): void {
    this.base = base;
    this.sent.clear();
    for (const [g, seq] of base) this.#seq.set(g, seq);
  }

  fire(group: number): void {
    const seq = (this.#seq.get(group) ?? 0) + 1;
    this.#seq.set(group, seq);
    const turn = this.#turn.get(group) ?? 0;
    this.#turn.set(group, turn + 1);
    const members = this.#members.get(group)!;
    const member = members[turn % members.length]!;
    member.selfMute = !member.selfMute;
    let times = this.sent.get(group);
    if (!times) this.sent.set(group, (times = []));
    times.push(monoMs());
    this.control.send(JSON.stringify({ room: group, seq, roomId: this.rooms.get(group)!.roomId, member }));
  }
}

/**
 * Open-loop pacing: events are due at `rate` per second from the start, whatever the system under
 * test does; a late driver catches up in a burst rather than slowing the offered load.
 */
export async function pace(rate: number, durationS: number, fire: () => void): Promise<{ sent: number; elapsedMs: number }> {
  const total = Math.max(1, Math.round(rate * durationS));
  const start = monoMs();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((monoMs() - start) * rate) / 1000) + 1);
    while (sent < due) {
      fire();
      sent++;
    }
    if (sent < total) await sleep(1);
  }
  return { sent, elapsedMs: monoMs() - start };
}

export interface PhaseResult {
  label: string;
  target: Target;
  connections: number;
  offeredRate: number;
  events: number;
  /** Events per second the driver actually produced. */
  achievedRate: number;
  /** Frames that should have arrived (events × subscribers of their room). */
  expected: number;
  received: number;
  lost: number;
  outOfOrder: number;
  /** Frames whose sequence matched no event of the phase (should be 0: the accounting is off otherwise). */
  unmatched: number;
  latency: LatencySummary;
  /** Frames delivered per second over the phase (sending window plus the tail). */
  deliveriesPerSecond: number;
  closes: Record<string, number>;
  /** CPU while the load ran: per core, per bench process, and everyone else's. */
  cpu: CpuUsage | null;
  /** Longest GC pause in the driver or a worker during the phase (it delays timestamps, not the app). */
  clientGcMaxPauseMs: number;
}

export interface PhaseOptions {
  fleet: Fleet;
  source: EventSource;
  label: string;
  rate: number;
  durationS: number;
  /** The room of the next event. */
  pick(): number;
  /** Clients left out of the accounting (e.g. the slow consumer). */
  exclude?: ReadonlySet<number>;
  /** Called once the load is running (e.g. to stop a client reading). */
  onStart?(): void;
  cpu?: CpuMeter;
}

/** How long after the last send a frame may still arrive and count (beyond that it is lost). */
const DRAIN_LIMIT_MS = 10_000;

export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const { base, subscribers, connections } = await settledBase(o.fleet, o.source.target, o.exclude);
  await o.fleet.collect(); // drop whatever arrived before the phase
  takeGc();
  let clientGcMaxPauseMs = 0;
  o.source.begin(base);
  const started = monoMs();
  if (o.onStart) setTimeout(o.onStart, 0);
  const cpuFrom = o.cpu?.sample();
  const { sent, elapsedMs } = await pace(o.rate, o.durationS, () => o.source.fire(o.pick()));
  const cpu = o.cpu && cpuFrom ? o.cpu.usage(cpuFrom, o.cpu.sample()) : null;

  let expected = 0;
  for (const [g, times] of o.source.sent) expected += times.length * (subscribers.get(g) ?? 0);
  const parts: Float64Array[] = [];
  let outOfOrder = 0;
  const closes: Record<string, number> = {};
  let got = 0;
  const drainStart = monoMs();
  for (;;) {
    await sleep(250);
    const c = await o.fleet.collect();
    clientGcMaxPauseMs = Math.max(clientGcMaxPauseMs, c.gc.maxPauseMs, takeGc().maxPauseMs);
    const part = c.frames[o.source.target];
    parts.push(part);
    got += part.length / 3;
    outOfOrder += c.outOfOrder[o.source.target];
    for (const [k, v] of Object.entries(c.closes)) closes[k] = (closes[k] ?? 0) + v;
    if (got >= expected || monoMs() - drainStart > DRAIN_LIMIT_MS) break;
    if (part.length === 0 && monoMs() - drainStart > 2_000) break;
  }
  const lastArrival = parts.reduce((m, p) => (p.length ? Math.max(m, p[p.length - 1]!) : m), started);

  const latencies: number[] = [];
  let unmatched = 0;
  const seen = outOfOrder > 0 ? new Set<number>() : null;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 3) {
      const client = part[i]!;
      if (o.exclude?.has(client)) continue;
      const group = o.fleet.groupOf(client);
      const seq = part[i + 1]!;
      const k = seq - (base.get(group) ?? 0) - 1;
      const times = o.source.sent.get(group);
      if (!times || k < 0 || k >= times.length) {
        unmatched++;
        continue;
      }
      if (seen) {
        const key = client * 4_294_967_296 + seq;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      latencies.push(part[i + 2]! - times[k]!);
    }
  }
  const received = latencies.length;
  return {
    label: o.label,
    target: o.source.target,
    connections,
    offeredRate: o.rate,
    events: sent,
    achievedRate: (sent / elapsedMs) * 1000,
    expected,
    received,
    lost: Math.max(0, expected - received),
    outOfOrder,
    unmatched,
    latency: summarize(latencies),
    deliveriesPerSecond: (received / Math.max(elapsedMs, lastArrival - started)) * 1000,
    closes,
    cpu,
    clientGcMaxPauseMs,
  };
}

/**
 * Every connection's last sequence, once the members of each room agree (events still in flight
 * from setup or the previous phase have landed). The base of a room is where its next event starts.
 */
export async function settledBase(fleet: Fleet, target: Target, exclude?: ReadonlySet<number>) {
  let previous = '';
  for (let attempt = 0; ; attempt++) {
    const marks = await fleet.mark(target);
    // Agreement within each room and no movement since the last look: nothing is in flight.
    const fingerprint = marks.map((m) => m.join(':')).sort().join(',');
    const still = fingerprint === previous;
    previous = fingerprint;
    const base = new Map<number, number>();
    const subscribers = new Map<number, number>();
    let agreed = true;
    let connections = 0;
    for (const [client, group, seq] of marks) {
      const prev = base.get(group);
      if (prev !== undefined && prev !== seq) agreed = false;
      base.set(group, Math.max(prev ?? 0, seq));
      if (exclude?.has(client)) continue;
      subscribers.set(group, (subscribers.get(group) ?? 0) + 1);
      connections++;
    }
    if ((agreed && still) || attempt >= 60) return { base, subscribers, connections };
    await sleep(250);
  }
}
