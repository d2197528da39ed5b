// The two seams every Discord package takes from its caller: time and logging (no package reads a
// global clock or picks a logger itself).
export { systemClock, type Clock } from './clock.ts';
export { silentLogger, type Logger } from './logger.ts';
