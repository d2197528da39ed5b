import { z } from 'zod';
import { Closes, type GatewayClose } from './close-codes.ts';

/** The only gateway version the emulator speaks; clients pass it as `?v=10`. */
export const GATEWAY_VERSION = 10;

export type TransportCompression = 'none' | 'zlib-stream';

export interface ConnectionParams {
  compression: TransportCompression;
}

/**
 * The query string of the upgrade request. Discord requires `v`; `encoding` is `json` or `etf`
 * (we only produce JSON, and treat a missing one as JSON like Discord does); `compress` is
 * `zlib-stream` or `zstd-stream` (we only implement zlib-stream, which is what @discordjs/ws asks for).
 */
const querySchema = z.object({
  v: z.string().optional(),
  encoding: z.string().optional(),
  compress: z.string().optional(),
});

export function parseConnectionParams(requestUrl: string | undefined): ConnectionParams | GatewayClose {
  const url = new URL(requestUrl ?? '/', 'http://emulator.invalid');
  const query = querySchema.parse(Object.fromEntries(url.searchParams));
  if (query.v !== String(GATEWAY_VERSION)) return Closes.invalidApiVersion();
  if (query.encoding !== undefined && query.encoding !== 'json') {
    return Closes.decodeError(`encoding=${query.encoding} is not supported by the emulator; use encoding=json`);
  }
  if (query.compress === undefined) return { compression: 'none' };
  if (query.compress === 'zlib-stream') return { compression: 'zlib-stream' };
  return Closes.decodeError(`compress=${query.compress} is not supported by the emulator; use zlib-stream or none`);
}
