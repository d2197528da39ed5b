import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.ts';

/** The prefixes operators grep for (R-OPS1). Each log line carries one as its `module` field. */
export type LogModule = 'Gateway Init' | 'Gateway' | 'WS' | 'Internal' | 'Room' | 'RateLimit' | 'Auth' | 'HTTP' | 'Emulator';

/**
 * Anything that may hold a credential, at the depths our log calls use. pino replaces the value with
 * "[redacted]" before the line is written, so a careless `log.info({ session })` cannot leak a token.
 */
export const REDACT_PATHS = [
  'token',
  'accessToken',
  'refreshToken',
  'botToken',
  'clientSecret',
  'sessionSecret',
  'secret',
  'password',
  'authorization',
  'cookie',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.botToken',
  '*.clientSecret',
  '*.client_secret',
  '*.sessionSecret',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
];

export function createLogger(config: Pick<Config, 'log'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.log.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (destination) return pino(options, destination);
  if (config.log.pretty) {
    return pino(
      options,
      pretty({
        colorize: process.stdout.isTTY,
        ignore: 'pid,hostname,module',
        // Our modules get their prefix from the field; the Discord packages write it into the message.
        messageFormat: (line, messageKey) => {
          const msg = String(line[messageKey] ?? '');
          return typeof line.module === 'string' && !msg.startsWith('[') ? `[${line.module}] ${msg}` : msg;
        },
        translateTime: 'HH:MM:ss.l',
        sync: true,
      }),
    );
  }
  return pino(options);
}

export function moduleLogger(root: Logger, module: LogModule): Logger {
  return root.child({ module });
}
