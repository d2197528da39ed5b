// Test helpers for the seams of the main entry (time and logging): a clock tests move by hand and a
// logger that keeps its lines. A subpath of its own, so no production bundle ever carries them.
export { FakeClock, flushMicrotasks, type FakeClockOptions } from './fake-clock.ts';
export { recordingLogger, type LogLine } from './recording-logger.ts';
