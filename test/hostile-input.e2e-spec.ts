import { routeInventory, type RouteInfo } from './support/route-inventory.js';
import { adminAccessToken } from './support/admin-session.js';
import { registerAndLogin, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Every route, fed what an attacker or a broken client sends. The only
 * acceptable answers are 4xx problem+json with a code; never a 500, never
 * a stack trace or library text.
 */
const huge = 'A'.repeat(60_000);
const bodies: Array<[string, { body?: unknown; raw?: string; headers?: Record<string, string> }]> = [
  ['malformed JSON', { raw: '{"email": "a@b.c", "password": ' }],
  ['a JSON array', { raw: '[]' }],
  ['JSON null', { raw: 'null' }],
  ['a JSON string', { raw: '"hello"' }],
  ['a JSON number', { raw: '12345' }],
  ['an empty body', { raw: '' }],
  ['wrong types', { body: { email: 123, password: ['x'], phone: { a: 1 }, code: 42, factorId: true, challengeId: [], refreshToken: 7 } }],
  ['operator injection', { body: { email: { $ne: null }, password: { $gt: '' } } }],
  ['unknown fields', { body: { email: 'a@example.com', password: 'correct horse battery', isAdmin: true, roles: ['admin'] } }],
  ['huge strings', { body: { email: huge, password: huge, phone: huge, code: huge, factorId: huge, challengeId: huge, refreshToken: huge, label: huge } }],
  ['an oversized body', { body: { email: 'a@example.com', password: 'x'.repeat(200_000) } }],
  ['deep nesting', { raw: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) }],
  ['prototype pollution', { raw: '{"__proto__": {"roles": ["admin"]}, "constructor": {"prototype": {"x": 1}}}' }],
  ['control characters', { body: { email: 'a\u0000@example.com', password: '\u0000\u0001\u0002\ud800' } }],
  ['a text/plain body', { raw: 'email=a@example.com', headers: { 'content-type': 'text/plain' } }],
  ['an unknown charset', { raw: '{}', headers: { 'content-type': 'application/json; charset=ebcdic' } }],
];

describe('hostile input', () => {
  let t: TestApp;
  let accessToken: string;
  let adminToken: string;
  let mfaToken: string;
  let routes: RouteInfo[];
  beforeAll(async () => {
    t = await startTestApp();
    accessToken = (await registerAndLogin(t, 'hostile@example.com')).accessToken;
    // An aal2 admin gets past every guard, so the admin routes' own validation is what answers.
    adminToken = (await adminAccessToken(t, 'hostile-admin@example.com')).accessToken;
    const stepUp = await t.post('/auth/step-up', undefined, accessToken);
    mfaToken = stepUp.body.mfaToken;
    routes = routeInventory(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  const expectProblem = (label: string, res: { status: number; headers: Headers; body: any; text: string }) => {
    const summary = { label, status: res.status, type: res.headers.get('content-type'), code: res.body?.code };
    expect(summary).toEqual({
      label,
      status: expect.any(Number),
      type: expect.stringContaining('application/problem+json'),
      code: expect.any(String),
    });
    const verdict = res.status >= 400 && res.status < 500 ? 'a 4xx' : `${res.status} ${res.text}`;
    expect({ label, verdict }).toEqual({ label, verdict: 'a 4xx' });
    expect(res.text).not.toMatch(/\bat \S+ \(|node_modules|QueryFailedError|SyntaxError|TypeError|duplicate key/);
  };

  it('every body-taking route answers bad bodies with a 4xx problem', async () => {
    const targets = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    expect(targets.length).toBeGreaterThan(2);
    for (const route of targets) {
      const path = route.path.replace(/:\w+/g, '00000000-0000-0000-0000-000000000000');
      const requirement = route.requirement;
      const token =
        requirement?.kind === 'mfa'
          ? mfaToken
          : requirement?.kind === 'access'
            ? requirement.roles.includes('admin')
              ? adminToken
              : accessToken
            : undefined;
      for (const [label, payload] of bodies) {
        const res = await t.request(route.method, path, { ...payload, token });
        // A route may legitimately accept an empty body (logout); anything it does accept is not a 5xx.
        if (res.status < 300) continue;
        expectProblem(`${route.method} ${route.path}: ${label}`, res);
      }
    }
  });

  it('public registration and login refuse each shape with the right code', async () => {
    const bad = await t.request('POST', '/auth/login', bodies[0][1]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'body', message: 'malformed JSON' }] });
    const unknown = await t.post('/auth/register', { email: 'new@example.com', password: 'correct horse battery', isAdmin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'isAdmin', message: 'is not allowed' }]);
    const tooBig = await t.request('POST', '/auth/login', bodies[10][1]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('odd paths, methods and queries are 4xx problems too', async () => {
    for (const [method, path] of [
      ['GET', '/no/such/route'],
      ['DELETE', '/auth/login'],
      ['GET', '/auth/me?x=' + 'y'.repeat(5000)],
      ['GET', '/%E0%A4%A'],
      ['GET', '/.well-known/jwks.json/../../etc/passwd'],
    ]) {
      const res = await t.request(method, path);
      expectProblem(`${method} ${path.slice(0, 40)}`, res);
    }
  });

  it('a malformed X-Forwarded-For is ignored, not an error', async () => {
    const res = await t.request('POST', '/auth/login', {
      body: { email: 'hostile@example.com', password: 'correct horse battery' },
      headers: { 'x-forwarded-for': '999.1.1.1, <script>, ' + 'z'.repeat(3000) },
    });
    expect(res.status).toBe(200);
  });

  it('answers with the security headers and a request id', async () => {
    const res = await t.get('/health/live');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
