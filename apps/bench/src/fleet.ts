/**
 * The simulated browsers as one thing: N clients in rooms of 4 spread over worker processes, with
 * the requests that fan out to every worker and merge their answers.
 */
import type { EmulatorHandle } from '@repo/discord-emulator';
import { groupWithinGuilds } from './grouping.ts';
import { Worker } from './processes.ts';
import { type ClientSpec, type CollectReport, type ConnectReport, type FromWorker, type RoomCreated, type Target, TARGETS } from './worker-protocol.ts';

export const ROOM_SIZE = 4;

export interface Room extends RoomCreated {
  /** Client indices, creator first. */
  clients: number[];
  /** Discord user ids, same order. */
  userIds: string[];
  /** The guild the room (and its voice channel) is in: its users' own. */
  guildId: string;
}

export interface ConnectSummary {
  target: Target;
  ok: number;
  failed: number;
  errors: string[];
  wallMs: number;
  authMs: Float64Array;
  subscribeMs: Float64Array;
}

export class Fleet {
  readonly specs: ClientSpec[];
  readonly rooms = new Map<number, Room>();
  readonly #workers: Worker[];
  /** Worker index of each client. */
  readonly #workerOf: Int32Array;

  private constructor(specs: ClientSpec[], workers: Worker[], workerOf: Int32Array) {
    this.specs = specs;
    this.#workers = workers;
    this.#workerOf = workerOf;
  }

  /**
   * Generated users user0001… in rooms of 4 made within each user's own guild (grouping.ts); whole
   * rooms go to one worker (round robin).
   */
  static async start(options: { emulator: EmulatorHandle; connections: number; workers: number; baseUrl: string; concurrency: number }): Promise<Fleet> {
    const { connections } = options;
    const guildIds = options.emulator.guildIds;
    const width = Math.max(4, String(connections).length);
    const specs: ClientSpec[] = groupWithinGuilds(connections, guildIds.length, ROOM_SIZE).map((p) => ({
      index: p.index,
      username: `user${String(p.index + 1).padStart(width, '0')}`,
      group: p.group,
      creator: p.creator,
      guildId: guildIds[p.guild]!,
    }));
    const groups = new Set(specs.map((s) => s.group)).size;
    const workerCount = Math.min(options.workers, groups);
    const workerOf = new Int32Array(connections);
    for (const s of specs) workerOf[s.index] = s.group % workerCount;
    const workers = Array.from({ length: workerCount }, (_, i) => new Worker(i));
    await Promise.all(
      workers.map((w, i) =>
        w.request(
          { type: 'init', worker: i, baseUrl: options.baseUrl, clients: specs.filter((s) => workerOf[s.index] === i), concurrency: options.concurrency },
          'ready',
          60_000,
        ),
      ),
    );
    return new Fleet(specs, workers, workerOf);
  }

  get pids(): Array<number | undefined> {
    return this.#workers.map((w) => w.pid);
  }

  groupOf(client: number): number {
    return this.specs[client]!.group;
  }

  /** Sign-ins, room creation and invites; fills `rooms`. */
  async setup(emulator: EmulatorHandle): Promise<{ failed: number; errors: string[]; phasesMs: { signIn: number; create: number; redeem: number } }> {
    // Sign-ins and rooms cost the app Discord REST calls, which it paces at Discord's global 50/s
    // for a bot token: ~2.4 calls per client, so allow well over N / 20 seconds.
    const timeoutMs = 120_000 + this.specs.length * 250;
    const replies = await Promise.all(this.#workers.map((w) => w.request({ type: 'setup' }, 'setup-done', timeoutMs)));
    const phasesMs = {
      signIn: Math.max(...replies.map((r) => r.phasesMs.signIn)),
      create: Math.max(...replies.map((r) => r.phasesMs.create)),
      redeem: Math.max(...replies.map((r) => r.phasesMs.redeem)),
    };
    let failed = 0;
    const errors: string[] = [];
    for (const r of replies) {
      failed += r.failed;
      errors.push(...r.errors);
      for (const room of r.rooms) {
        const clients = this.specs.filter((s) => s.group === room.group).map((s) => s.index);
        const userIds = clients.map((c) => {
          const user = emulator.state.findUser(this.specs[c]!.username);
          if (!user) throw new Error(`the emulator has no user ${this.specs[c]!.username}`);
          return user.id;
        });
        this.rooms.set(room.group, { ...room, clients, userIds, guildId: this.specs[clients[0]!]!.guildId });
      }
    }
    return { failed, errors, phasesMs };
  }

  /**
   * `roomIds`: what each group's clients call their room (default: the app's room ids). `spread`
   * (app only): client i connects to `spread.urls[i mod n]` instead of `url`, and with `reconnect`
   * a dropped socket reconnects to the next one and resubscribes, as a browser behind a balancer.
   */
  async connect(target: Target, url: string, subscribe: boolean, concurrency: number, roomIds?: ReadonlyMap<number, string>, spread?: { urls: string[]; reconnect: boolean }): Promise<ConnectSummary> {
    const rooms: Record<number, string> = {};
    for (const [g, r] of this.rooms) rooms[g] = roomIds?.get(g) ?? r.roomId;
    const replies = await Promise.all(this.#workers.map((w) => w.request({ type: 'connect', target, url, subscribe, concurrency, rooms, ...spread }, 'connected')));
    return mergeConnect(target, replies);
  }

  async disconnect(target: Target): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.request({ type: 'disconnect', target }, 'disconnected')));
  }

  /** Last room sequence of every open connection: [client, group, seq]. */
  async mark(target: Target): Promise<Array<[client: number, group: number, seq: number]>> {
    const replies = await Promise.all(this.#workers.map((w) => w.request({ type: 'mark', target }, 'marked')));
    return replies.flatMap((r) => r.seqs);
  }

  async collect(): Promise<CollectReport> {
    const replies = await Promise.all(this.#workers.map((w) => w.request({ type: 'collect' }, 'collected')));
    const closes: Record<string, number> = {};
    for (const r of replies) for (const [k, v] of Object.entries(r.closes)) closes[k] = (closes[k] ?? 0) + v;
    return {
      type: 'collected',
      frames: Object.fromEntries(TARGETS.map((t) => [t, concat(replies.map((r) => r.frames[t]))])) as Record<Target, Float64Array>,
      lobby: concat(replies.map((r) => r.lobby)),
      resyncs: concat(replies.map((r) => r.resyncs)),
      outOfOrder: Object.fromEntries(TARGETS.map((t) => [t, sum(replies.map((r) => r.outOfOrder[t]))])) as Record<Target, number>,
      closes,
      closedClients: replies.flatMap((r) => r.closedClients),
      gc: { maxPauseMs: Math.max(0, ...replies.map((r) => r.gc.maxPauseMs)), totalMs: sum(replies.map((r) => r.gc.totalMs)) },
    };
  }

  pause(client: number): void {
    this.#workers[this.#workerOf[client]!]!.send({ type: 'pause', client });
  }

  redeem(id: number, client: number, token: string): Promise<Extract<FromWorker, { type: 'redeemed' }>> {
    const worker = this.#workers[this.#workerOf[client]!]!;
    return new Promise((resolve) => {
      const off = worker.on((m) => {
        if (m.type !== 'redeemed' || m.id !== id) return;
        off();
        resolve(m);
      });
      worker.send({ type: 'redeem', id, client, token });
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.stop()));
  }
}

function mergeConnect(target: Target, replies: ConnectReport[]): ConnectSummary {
  return {
    target,
    ok: sum(replies.map((r) => r.ok)),
    failed: sum(replies.map((r) => r.failed)),
    errors: replies.flatMap((r) => r.errors).slice(0, 5),
    wallMs: Math.max(...replies.map((r) => r.finishedAt)) - Math.min(...replies.map((r) => r.startedAt)),
    authMs: concat(replies.map((r) => r.authMs.filter((v) => v > 0))),
    subscribeMs: concat(replies.map((r) => r.subscribeMs.filter((v) => v > 0))),
  };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(sum(parts.map((p) => p.length)));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
