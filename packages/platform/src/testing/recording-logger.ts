import type { Logger } from '../logger.ts';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

/** A Logger that keeps every line, for asserting alerts (and that no token ever appears). */
export function recordingLogger(echo = false): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, obj, msg });
      if (echo && level !== 'debug') console.log(level, msg, JSON.stringify(obj));
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
