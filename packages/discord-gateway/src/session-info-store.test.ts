import type { SessionInfo } from '@discordjs/ws';
import { describe, expect, it } from 'vitest';
import { CachedSessionInfoStore, MemorySessionInfoStore, type SessionInfoStore } from './session-info-store.ts';

const info = (sequence: number): SessionInfo => ({
  sessionId: 'session-1',
  sequence,
  resumeURL: 'wss://gateway.example',
  shardId: 0,
  shardCount: 1,
});

/** A remote store whose calls only finish when the test releases them: a Redis that is very slow. */
class SlowStore implements SessionInfoStore {
  readonly writes: Array<SessionInfo | null> = [];
  reads = 0;
  stored: SessionInfo | null = null;
  failNextWrite = false;
  #release: Array<() => void> = [];

  get(): Promise<SessionInfo | null> {
    this.reads += 1;
    return new Promise((resolve) => this.#release.push(() => resolve(this.stored)));
  }

  set(_shardId: number, value: SessionInfo | null): Promise<void> {
    this.writes.push(value);
    return new Promise((resolve, reject) =>
      this.#release.push(() => {
        if (this.failNextWrite) {
          this.failNextWrite = false;
          reject(new Error('redis down'));
          return;
        }
        this.stored = value;
        resolve();
      }),
    );
  }

  releaseAll(): void {
    const pending = this.#release;
    this.#release = [];
    for (const release of pending) release();
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('CachedSessionInfoStore', () => {
  it('serves reads and takes writes without ever waiting for the remote store', async () => {
    const remote = new SlowStore();
    const store = new CachedSessionInfoStore(remote);

    const first = store.read(0);
    expect(first).toBeInstanceOf(Promise); // cold: one remote read
    remote.releaseAll();
    expect(await first).toBeNull();

    for (let seq = 1; seq <= 1_000; seq += 1) {
      store.write(0, info(seq)); // synchronous: returns while the remote write is still pending
      expect(store.read(0)).toEqual(info(seq)); // synchronous value, not a promise
    }
    expect(remote.reads).toBe(1);
    await tick();
    // A synchronous burst becomes one remote write of its last value.
    expect(remote.writes).toEqual([info(1_000)]);

    // While that write hangs, later changes pile up in memory and are coalesced into one more write.
    for (let seq = 1_001; seq <= 1_100; seq += 1) {
      store.write(0, info(seq));
      await tick();
    }
    expect(store.read(0)).toEqual(info(1_100));
    expect(remote.writes).toEqual([info(1_000)]);

    remote.releaseAll();
    await tick();
    expect(remote.writes).toEqual([info(1_000), info(1_100)]);
    remote.releaseAll();
    await store.flush();
    expect(remote.stored).toEqual(info(1_100));
  });

  it('flush() waits until the latest value reached the remote store', async () => {
    const remote = new SlowStore();
    const store = new CachedSessionInfoStore(remote);
    store.write(0, info(5));
    store.write(0, null);
    let flushed = false;
    const flushing = store.flush().then(() => {
      flushed = true;
    });
    await tick();
    expect(flushed).toBe(false);
    while (!flushed) {
      remote.releaseAll();
      await tick();
    }
    await flushing;
    expect(remote.stored).toBeNull();
  });

  it('keeps a failed write for the next flush, unless a newer value replaced it', async () => {
    const remote = new SlowStore();
    const store = new CachedSessionInfoStore(remote);
    remote.failNextWrite = true;
    store.write(0, info(7));
    await tick();
    remote.releaseAll();
    await tick();
    expect(remote.stored).toBeNull();
    const flushing = store.flush();
    await tick();
    remote.releaseAll();
    await flushing;
    expect(remote.stored).toEqual(info(7));
  });

  it('treats an unreadable remote store as "no session" (identify afresh)', async () => {
    const store = new CachedSessionInfoStore({
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.resolve(),
    });
    expect(await store.read(3)).toBeNull();
  });

  it('a write made while the first read is in flight wins over the stale read', async () => {
    const remote = new SlowStore();
    remote.stored = info(1);
    const store = new CachedSessionInfoStore(remote);
    const loading = store.load(0);
    store.write(0, info(9));
    remote.releaseAll();
    expect(await loading).toEqual(info(9));
  });
});

describe('MemorySessionInfoStore', () => {
  it('stores and clears per shard', async () => {
    const store = new MemorySessionInfoStore();
    await store.set(0, info(1));
    await store.set(1, info(2));
    await store.set(0, null);
    expect(await store.get(0)).toBeNull();
    expect(await store.get(1)).toEqual(info(2));
  });
});
