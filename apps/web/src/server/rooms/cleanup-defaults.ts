// The inactivity cleanup's timing (R-ROOM7), apart from the job itself: the room-capacity answer's
// Retry-After is derived from it, and capacity must not depend on the job (which depends on rooms).
export const CleanupDefaults = {
  /** How often the job looks at every room. */
  intervalMs: 5 * 60_000,
  /** Nobody in voice and nobody viewing for this long: the room is idle. */
  idleAfterMs: 60 * 60_000,
  /** Viewers get this long to show activity before the room closes. */
  warningMs: 30_000,
} as const;
