import type { Cluster } from './cluster-stack.ts';

/** What one step does to a user in the room's voice channel, and the state it leaves them in. */
const CYCLE: Array<{ command: Record<string, unknown>; state: string }> = [
  { command: { selfMute: false, selfDeaf: false }, state: 'md' }, // join (channelId added below)
  { command: { selfMute: true }, state: 'Md' },
  { command: { selfDeaf: true }, state: 'MD' },
  { command: { selfDeaf: false }, state: 'Md' },
  { command: { selfMute: false }, state: 'md' },
  { command: { channelId: null }, state: '-' },
];

/**
 * Voice changes in one channel, one every `everyMs`, round-robin over some users, each change
 * visible in the room (join, mute, deafen, undeafen, unmute, leave, again). Records what every
 * user went through: what a watcher must show, in that order.
 */
export class VoiceTraffic {
  readonly expected = new Map<string, string[]>();
  readonly errors: unknown[] = [];
  sent = 0;
  #steps = new Map<string, number>();
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly channelId: string,
    private readonly users: string[],
    /** The guild the channel is in (default: the emulator's first). */
    private readonly guildId: string = cluster.emulator.guildId,
  ) {}

  /** User id of a seeded username. */
  id(name: string): string {
    return this.cluster.emulator.users[name]!.id;
  }

  start(everyMs: number, durationMs: number): Promise<void> {
    const until = Date.now() + durationMs;
    this.#running = (async () => {
      let next = Date.now();
      while (!this.#stopped && Date.now() < until) {
        await this.step();
        next += everyMs;
        const wait = next - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })();
    return this.#running;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    return this.#running ?? Promise.resolve();
  }

  async step(): Promise<void> {
    const name = this.users[this.sent % this.users.length]!;
    const n = this.#steps.get(name) ?? 0;
    const { command, state } = CYCLE[n % CYCLE.length]!;
    const body = { userId: name, force: true, guildId: this.guildId, ...command, ...(n % CYCLE.length === 0 ? { channelId: this.channelId } : {}) };
    try {
      await this.cluster.control('voice', body);
      this.#steps.set(name, n + 1);
      this.sent++;
      const list = this.expected.get(this.id(name)) ?? [];
      list.push(state);
      this.expected.set(this.id(name), list);
    } catch (error) {
      this.errors.push(error);
    }
  }

  /** Who is in the channel and how, per the emulator: the truth. */
  async truth(): Promise<Record<string, string>> {
    const state = await this.cluster.emulatorState();
    const guild = state.guilds.find((g) => g.id === this.guildId)!;
    return Object.fromEntries(
      guild.voiceStates
        .filter((v) => v.channel_id === this.channelId)
        .map((v) => [v.user_id, `${v.self_mute ? 'M' : 'm'}${v.self_deaf ? 'D' : 'd'}`] as const)
        .sort(),
    );
  }
}

/** Whether `seen` is `expected` with some entries left out (never invented, never reordered). */
export function isSubsequence(seen: string[], expected: string[]): boolean {
  let j = 0;
  for (const s of seen) {
    while (j < expected.length && expected[j] !== s) j++;
    if (j === expected.length) return false;
    j++;
  }
  return true;
}
