/**
 * The logging surface the emulator needs; a pino logger fits it, and the default is silent so
 * test output stays clean.
 */
export interface EmulatorLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug?(msg: string): void;
}

export const silentEmulatorLogger: EmulatorLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
};
