import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthCheckAttempt } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.tokens.js';

const PING_TIMEOUT_MS = 1000;

/**
 * Readiness of the Redis that holds the shared rate-limit counters
 * (REDIS_URL). Terminus has no Redis indicator outside its microservice
 * transport, so this one PINGs over its own connection, opened on the first
 * check rather than at boot.
 */
@Injectable()
export class RedisHealthIndicator implements OnApplicationShutdown {
  private readonly redis: Redis | null;

  constructor(
    @InjectConfig() config: AppConfig,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.redis = config.redisUrl
      ? new Redis(config.redisUrl, {
          lazyConnect: true,
          maxRetriesPerRequest: 1,
          // ioredis waits this long for a socket that is already gone to close: it only ever carried a PING.
          disconnectTimeout: 100,
        })
      : null;
    // While Redis is away ioredis keeps reconnecting and emits errors; the failed check reports them.
    this.redis?.on('error', () => undefined);
  }

  /** Whether there is a Redis to check: without REDIS_URL, counters are in process. */
  get configured(): boolean {
    return this.redis !== null;
  }

  pingCheck<const Key extends string>(key: Key): HealthCheckAttempt<Key> {
    const redis = this.redis;
    return this.indicators
      .check(key)
      .attempt(async () => {
        if (!redis) throw new Error('REDIS_URL is not set');
        await redis.ping();
      })
      .withTimeout(PING_TIMEOUT_MS);
  }

  /** Closes the connection, and stops ioredis reconnecting if Redis was away: a check has nothing in flight worth waiting for. */
  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
