/**
 * One refresh per Discord refresh token across every instance (R-SCALE2). Discord rotates refresh
 * tokens: the first refresh spends the old one, so a second instance refreshing the same token at
 * the same moment is refused and signs the user out. AuthService already shares one refresh
 * between the requests of one process; this extends that to the cluster.
 */
export interface RefreshCoordinator {
  /**
   * Runs `refresh` on one instance at a time for `key` (a hash of the refresh token) and hands every
   * other caller the outcome it shared. `refresh` resolves to that outcome, sealed (the session
   * inside holds tokens), or to null when it spent nothing (Discord unreachable): then nothing is
   * shared and the next caller tries again. Resolves to null when no outcome arrived in time.
   */
  run(key: string, refresh: () => Promise<string | null>): Promise<string | null>;
}

/** One process: AuthService's own single flight is the whole story. */
export const localRefreshCoordinator: RefreshCoordinator = {
  run: (_key, refresh) => refresh(),
};
