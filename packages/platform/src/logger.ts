type LogFn = (obj: Record<string, unknown>, msg: string) => void;

/** The subset of pino's API the Discord packages use; pass a pino logger (or a child of one) as is. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const ignore: LogFn = () => undefined;
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
