import { startTestApp, type TestApp } from '../support/test-app.js';

/** Run by `npm run test:redis` (CI starts Redis for it): readiness includes the shared Redis. */
describe('readiness with REDIS_URL', () => {
  const redisUrl = process.env.REDIS_URL;
  let t: TestApp;
  beforeAll(async () => {
    if (!redisUrl) throw new Error('REDIS_URL must point at a Redis server for this suite (npm run test:redis)');
    t = await startTestApp({ env: { REDIS_URL: redisUrl } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /health/ready checks Redis as well as the database', async () => {
    const res = await t.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, redis: { status: 'up' } } });
  });
});
