import { startTestApp, type TestApp } from '../support/test-app.js';

describe('per-IP throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { rateLimitScale: 1 } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses the 21st login a minute from one address with RATE_LIMITED and Retry-After', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 21; i++) {
      last = await t.post('/auth/login', { email: `nobody${i}@example.com`, password: 'not the password' });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(last!.status).toBe(429);
    expect(last!.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});
