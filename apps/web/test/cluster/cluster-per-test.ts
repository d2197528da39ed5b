import { afterEach } from 'vitest';
import { Cluster, type ClusterOptions } from './cluster-stack.ts';
import type { RoomWatcher } from './room-watcher.ts';

/**
 * What one cluster test starts, closed after it whatever the test's outcome: the tabs it watches
 * with (pushed onto `watchers`) first, then the cluster `start` gave it. Call it inside a describe.
 */
export function clusterPerTest(): { readonly watchers: RoomWatcher[]; start(options?: ClusterOptions): Promise<Cluster> } {
  let cluster: Cluster | undefined;
  const watchers: RoomWatcher[] = [];
  afterEach(async () => {
    for (const w of watchers.splice(0)) w.close();
    await cluster?.close();
    cluster = undefined;
  });
  return {
    watchers,
    async start(options) {
      cluster = await Cluster.start(options);
      return cluster;
    },
  };
}
