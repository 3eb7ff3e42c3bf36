import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A complete production configuration (the database URL is the suite's own, given separately). */
function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://sesame@db.internal:5432/sesame',
    APP_SECRET: randomBytes(48).toString('base64'),
    JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    SMS_PROVIDER: 'vonage',
    VONAGE_API_KEY: 'metrics-suite',
    VONAGE_API_SECRET: randomBytes(12).toString('hex'),
    VONAGE_FROM: 'Sesame',
    SMTP_URL: 'smtp://127.0.0.1:2525',
    MAIL_FROM: 'Sesame <no-reply@example.com>',
    ...extra,
  };
}

describe('GET /metrics', () => {
  describe('in production with METRICS_TOKEN', () => {
    const token = randomBytes(32).toString('hex');
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: productionEnv({ METRICS_TOKEN: token }) });
    });
    afterAll(async () => {
      await t.close();
    });

    it('answers a scrape that presents the token', async () => {
      const res = await t.request('GET', '/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/^sesame_process_cpu_user_seconds_total /m);
    });

    it.each([
      ['no credentials', {}],
      ['a wrong token', { authorization: `Bearer ${randomBytes(32).toString('hex')}` }],
      ['the token with one character missing', { authorization: `Bearer ${token.slice(0, -1)}` }],
      ['the token under another scheme', { authorization: `Basic ${token}` }],
      ['a user access token instead', { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln' }],
    ])('refuses %s with a 401 problem', async (_case, headers: Record<string, string>) => {
      const res = await t.request('GET', '/metrics', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(res.text).not.toMatch(/sesame_/);
    });
  });

  it('is not served in production without METRICS_TOKEN: a 404 like any unknown route', async () => {
    const t = await startTestApp({ env: productionEnv() });
    try {
      const res = await t.get('/metrics');
      const unknown = await t.get('/no-such-route');
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual(unknown.body);
    } finally {
      await t.close();
    }
  });

  it('is open in tests and development when no token is set', async () => {
    const t = await startTestApp();
    try {
      const res = await t.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^sesame_/m);
    } finally {
      await t.close();
    }
  });
});
