import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /health/live answers 200 and is never cached', async () => {
    const res = await t.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok' });
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
  });

  it('GET /health/ready checks the database, and no Redis without REDIS_URL', async () => {
    const res = await t.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    expect(res.body.details).not.toHaveProperty('redis');
  });

  it('GET /health/ready answers 503 problem+json when the database cannot be reached', async () => {
    // A second instance on the same database, whose own connection pool is then closed.
    const lost = await startTestApp({ sharing: t });
    try {
      await lost.app.get(DataSource).destroy();
      const res = await lost.get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
      expect((await lost.get('/health/live')).status).toBe(200);
    } finally {
      await lost.close();
    }
  });
});
