import { createServer } from 'node:net';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { AppConfig } from '../config/app-config.js';
import { RedisHealthIndicator } from './redis.health.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const indicatorFor = (redisUrl: string | null) =>
  new RedisHealthIndicator({ redisUrl } as AppConfig, new HealthIndicatorService());

describe('RedisHealthIndicator', () => {
  it('is not configured without REDIS_URL', () => {
    expect(indicatorFor(null).configured).toBe(false);
  });

  it('reports Redis down when nothing answers at REDIS_URL', async () => {
    const indicator = indicatorFor(`redis://127.0.0.1:${await closedPort()}`);
    try {
      expect(indicator.configured).toBe(true);
      expect(await indicator.pingCheck('redis')).toMatchObject({ redis: { status: 'down' } });
    } finally {
      await indicator.onApplicationShutdown();
    }
  });
});
