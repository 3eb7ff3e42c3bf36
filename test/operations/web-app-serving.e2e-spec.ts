import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** How the built web app is served, on a stand-in build (npm test does not run Vite; test:browser serves the real one). */
describe('the web app at /app and /admin', () => {
  let t: TestApp;
  let webDir: string;
  const page = '<!doctype html><title>Sesame</title><script type="module" src="/app/assets/index-abc123.js"></script>';

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'sesame-web-'));
    await mkdir(join(webDir, 'assets'));
    await writeFile(join(webDir, 'index.html'), page);
    await writeFile(join(webDir, 'assets', 'index-abc123.js'), 'export {};');
    t = await startTestApp({ runtime: { webDir } });
  });
  afterAll(async () => {
    await t.close();
    await rm(webDir, { recursive: true, force: true });
  });

  it.each([
    '/app',
    '/app/login',
    '/app/enrol/sms',
    '/admin',
    '/admin/console/users',
    '/admin/console/users/0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87',
  ])('answers %s with the page, revalidated on every load, under a CSP without inline script', async (path) => {
    const res = await t.get(path);
    expect(res.status).toBe(200);
    expect(res.text).toBe(page);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const res = await t.get('/app/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers a missing asset with a problem 404, not the page', async () => {
    const res = await t.get('/app/assets/missing-000000.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('leaves the API and paths that only start alike alone', async () => {
    expect((await t.get('/application')).status).toBe(404);
    // The console's pages are under /admin/console: the admin API keeps its answers.
    for (const path of [
      '/admin/mfa/policy',
      '/admin/users',
      '/admin/users/0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87',
      '/admin/audit-events',
    ]) {
      const res = await t.get(path);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await t.request('POST', '/app/login')).status).toBe(404);
  });

  it('serves nothing when the app has not been built', async () => {
    const bare = await startTestApp({ runtime: { webDir: join(webDir, 'not-built') } });
    try {
      expect((await bare.get('/app')).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
