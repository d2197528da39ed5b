// @repo/platform: the seams every package takes from its caller, time and logging (no package reads
// a global clock or picks a logger itself), and the one backoff schedule. The browser bundle imports
// this entry too, so nothing reachable from here may import a `node:` module (index.test.ts checks);
// Node-only tools and test helpers live on subpaths (`./free-port`, `./testing`).
export { DEFAULT_BACKOFF, backoffCeiling, backoffDelay, type BackoffPolicy } from './backoff.ts';
export { systemClock, type Clock } from './clock.ts';
export { silentLogger, type Logger } from './logger.ts';
