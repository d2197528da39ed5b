import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Infrastructure } from './infrastructure.ts';

// Placeholder so the app builds while the Redis implementation is written (scale-out issue).
export async function createRedisInfrastructure(_options: { config: Config; log: Logger; clock: Clock; redisUrl: string }): Promise<Infrastructure> {
  throw new Error('REDIS_URL is set, but this build has no Redis scale-out yet: unset REDIS_URL to run one instance.');
}
