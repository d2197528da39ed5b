import WebSocket from 'ws';

/**
 * A browser tab watching one room over /api/ws, reduced to what the cluster tests check. It
 * behaves like the app's client (src/client/room-state.ts): a snapshot first, then events applied
 * in `seq` order; a seq it did not expect means something was missed, so it resubscribes for a
 * fresh snapshot; when its socket drops it reconnects, to the next instance it knows (as behind a
 * load balancer), with a new token from that instance (sessions are stateless cookies).
 */
export interface VoiceLine {
  userId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

export interface WatchedEvent {
  event: string;
  seq: number;
  userId?: string;
  /** The user's state after the event ('-' = not in the room's voice channel). */
  state?: string;
  /** The event changed nothing (a repeat, or a resync's re-announcement). */
  noop: boolean;
  /**
   * Sent right behind a snapshot: events the hub held while building it. A snapshot may already
   * reflect some of them (documented overlap), so a no-op among these is expected.
   */
  overlap: boolean;
  via: string;
}

export const stateOf = (line: VoiceLine | undefined): string => (line ? `${line.selfMute ? 'M' : 'm'}${line.selfDeaf ? 'D' : 'd'}` : '-');

export class RoomWatcher {
  readonly voice = new Map<string, VoiceLine>();
  readonly events: WatchedEvent[] = [];
  /** Per user, every state it went through, as seen here (snapshots included). */
  readonly history = new Map<string, string[]>();
  seq = -1;
  snapshots = 0;
  resubscribes = 0;
  reconnects = 0;
  /** Events with a seq at or below the current one (the client ignores them). */
  stale = 0;
  #ws: WebSocket | undefined;
  #target = 0;
  #closed = false;
  #connecting: Promise<void> | undefined;
  #afterSnapshot = false;
  #lastFrameAt = Date.now();

  private constructor(
    private readonly baseUrls: string[],
    private readonly cookie: string,
    private readonly roomId: string,
    readonly label: string,
  ) {}

  /** Opens on baseUrls[0]; on a drop moves to the next one. */
  static async open(baseUrls: string[], cookie: string, roomId: string, label: string): Promise<RoomWatcher> {
    const watcher = new RoomWatcher(baseUrls, cookie, roomId, label);
    await watcher.#connect();
    return watcher;
  }

  get connectedTo(): string {
    return this.baseUrls[this.#target % this.baseUrls.length]!;
  }

  async waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${this.label}: timed out waiting for ${what}; seq ${this.seq}, voice ${JSON.stringify([...this.voice.values()])}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Until nothing has arrived for `quietMs` (the stream has caught up with the producer). */
  async settle(quietMs = 500, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - this.#lastFrameAt < quietMs) {
      if (Date.now() > deadline) throw new Error(`${this.label}: still receiving after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.#closed = true;
    this.#ws?.close();
  }

  /** The voice channel as this tab shows it: user → state. */
  shown(): Record<string, string> {
    return Object.fromEntries([...this.voice.values()].map((line) => [line.userId, stateOf(line)]).sort());
  }

  #connect(): Promise<void> {
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #open(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const baseUrl = this.connectedTo;
      try {
        const res = await fetch(`${baseUrl}/api/ws-token`, { headers: { cookie: this.cookie }, signal: AbortSignal.timeout(2_000) });
        if (!res.ok) throw new Error(`ws-token answered ${res.status}`);
        const { token } = (await res.json()) as { token: string };
        const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/ws`, { headers: { origin: baseUrl } });
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        this.#ws = ws;
        ws.on('message', (data) => this.#onFrame(String(data), baseUrl));
        ws.on('close', () => {
          if (this.#closed || this.#ws !== ws) return;
          this.reconnects++;
          this.#target++;
          void this.#connect();
        });
        ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'auth', token }));
        this.#subscribe();
        return;
      } catch (error) {
        if (this.#closed) return;
        if (attempt > 100) throw error;
        this.#target++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  #subscribe(): void {
    this.#ws?.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'subscribe', room: this.roomId }));
  }

  #onFrame(raw: string, via: string): void {
    this.#lastFrameAt = Date.now();
    const frame = JSON.parse(raw) as { type: string; event?: string; payload?: Record<string, unknown> };
    if (frame.type !== 'event' || !frame.payload) return;
    const payload = frame.payload;
    if (frame.event === 'room.snapshot') {
      this.snapshots++;
      this.seq = payload.seq as number;
      const before = [...this.voice.keys()];
      this.voice.clear();
      for (const m of payload.voice as VoiceLine[]) this.voice.set(m.userId, { userId: m.userId, selfMute: m.selfMute, selfDeaf: m.selfDeaf });
      for (const userId of new Set([...before, ...this.voice.keys()])) this.#record(userId);
      // Frames of one socket read arrive in one macrotask: the held events come in this one.
      this.#afterSnapshot = true;
      setImmediate(() => (this.#afterSnapshot = false));
      return;
    }
    if (payload.roomId !== this.roomId || typeof payload.seq !== 'number' || this.seq < 0) return;
    const seq = payload.seq;
    if (seq <= this.seq) {
      this.stale++;
      return;
    }
    if (seq !== this.seq + 1) {
      // A gap: ask for a fresh snapshot, as the browser does.
      this.resubscribes++;
      this.seq = -1;
      this.#subscribe();
      return;
    }
    this.seq = seq;
    const event = frame.event!;
    if (event === 'voice.joined' || event === 'voice.updated') {
      const m = payload.member as VoiceLine;
      const before = stateOf(this.voice.get(m.userId));
      this.voice.set(m.userId, { userId: m.userId, selfMute: m.selfMute, selfDeaf: m.selfDeaf });
      const after = stateOf(this.voice.get(m.userId));
      this.events.push({ event, seq, userId: m.userId, state: after, noop: before === after, overlap: this.#afterSnapshot, via });
      if (before !== after) this.#record(m.userId);
    } else if (event === 'voice.left') {
      const userId = payload.userId as string;
      const noop = !this.voice.has(userId);
      this.voice.delete(userId);
      this.events.push({ event, seq, userId, state: '-', noop, overlap: this.#afterSnapshot, via });
      if (!noop) this.#record(userId);
    } else {
      this.events.push({ event, seq, noop: false, overlap: this.#afterSnapshot, via });
    }
  }

  #record(userId: string): void {
    const list = this.history.get(userId) ?? [];
    const state = stateOf(this.voice.get(userId));
    if (list.at(-1) !== state) list.push(state);
    this.history.set(userId, list);
  }
}
