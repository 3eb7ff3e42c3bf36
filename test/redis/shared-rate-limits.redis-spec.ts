import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Run by `npm run test:redis` (CI starts Redis for it): with REDIS_URL the
 * rate limits hold across instances, because the counters live in Redis.
 */
describe('rate limits shared through Redis', () => {
  const redisUrl = process.env.REDIS_URL;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    if (!redisUrl) throw new Error('REDIS_URL must point at a Redis server for this suite (npm run test:redis)');
    // A fresh key prefix per run is not needed: the tracker is the client IP and the route,
    // so each run uses a TRUST_PROXY address of its own.
    a = await startTestApp({ env: { REDIS_URL: redisUrl, TRUST_PROXY: '1' }, overrides: { rateLimitScale: 1 } });
    b = await startTestApp({ sharing: a, env: { REDIS_URL: redisUrl, TRUST_PROXY: '1' }, overrides: { rateLimitScale: 1 } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('20 logins a minute per address, counted across two instances', async () => {
    const address = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const run = randomUUID().slice(0, 8);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const target = i % 2 === 0 ? a : b;
      const res = await target.request('POST', '/auth/login', {
        body: { email: `${run}-${i}@example.com`, password: 'not the password' },
        headers: { 'x-forwarded-for': address },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // Another address is not affected.
    const other = await a.request('POST', '/auth/login', {
      body: { email: `${run}-x@example.com`, password: 'not the password' },
      headers: { 'x-forwarded-for': '203.0.113.77' },
    });
    expect(other.status).toBe(401);
  });
});
