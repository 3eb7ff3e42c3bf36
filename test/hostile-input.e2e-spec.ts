import { randomUUID } from 'node:crypto';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { TokenService } from '../src/tokens/token.service.js';
import { vonageSignature } from '../src/sms/vonage-signature.js';
import { routeInventory, type RouteInfo } from './support/route-inventory.js';
import { adminAccessToken, arrangedAccessToken } from './support/admin-session.js';
import { registerAndLogin, startTestApp, type HttpResult, type TestApp } from './support/test-app.js';

/**
 * Every route, fed what an attacker or a broken client sends. The only
 * acceptable answers are 4xx problem+json with a code; never a 500, never
 * a stack trace or library text. A route that *accepts* a hostile body must
 * be listed in ACCEPTED below, so acceptance is a decision, not a blind spot.
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
  // class-transformer drops names of Object.prototype members unseen; they are unknown fields like any other.
  ['inherited names', { body: { label: 'ok', toString: true, valueOf: 1, hasOwnProperty: 'x' } }],
  ['control characters', { body: { email: 'a\u0000@example.com', password: '\u0000\u0001\u0002\ud800' } }],
  // Each field of the contract, holding a lone surrogate (JSON can carry one as an escape; UTF-8 cannot).
  ['lone surrogates', { body: everyField('x\ud800y') }],
  // Each field of the contract, holding a NUL; Postgres text cannot store U+0000.
  ['NUL characters', { body: everyField('x\u0000y') }],
  ['a NUL in a nested field', { body: { credential: { id: 'a', response: { clientDataJSON: 'x\u0000' } }, label: 'ok' } }],
  ['a text/plain body', { raw: 'email=a@example.com', headers: { 'content-type': 'text/plain' } }],
  ['an unknown charset', { raw: '{}', headers: { 'content-type': 'application/json; charset=ebcdic' } }],
];

/** Every request field the API knows, each set to `value` (the email and phone keep their shape around it). */
function everyField(value: string): Record<string, string> {
  return {
    email: `${value}@example.com`,
    password: `correct horse ${value}`,
    phone: `+4474001${value}`,
    code: value,
    factorId: value,
    challengeId: value,
    refreshToken: value,
    label: value,
  };
}

/**
 * The bodies a route may accept, and why. Anything else answered with a 2xx
 * fails the test, and so does an entry here that stops being accepted.
 */
// Routes that read no body ignore whatever JSON the parser lets through; nothing of it reaches the route.
const IGNORED_BY_BODYLESS_ROUTES = [
  'a JSON array',
  'an empty body',
  'wrong types',
  'operator injection',
  'unknown fields',
  'deep nesting',
  'prototype pollution',
  'inherited names',
  'control characters',
  'lone surrogates',
  'NUL characters',
  'a NUL in a nested field',
];
const ACCEPTED: Record<string, string[]> = {
  'POST /auth/logout': IGNORED_BY_BODYLESS_ROUTES,
  'POST /auth/step-up': IGNORED_BY_BODYLESS_ROUTES,
  'POST /me/mfa/factors/webauthn/options': IGNORED_BY_BODYLESS_ROUTES,
  'POST /me/sessions/revoke-others': IGNORED_BY_BODYLESS_ROUTES,
  'POST /me/email/verification': IGNORED_BY_BODYLESS_ROUTES,
  // The label is optional: an empty body is a valid enrolment.
  'POST /me/mfa/factors/totp': ['an empty body'],
  // POST /me/mfa/recovery-codes reads no body either, but refuses every request here: the user has no factor yet (409).
};

describe('hostile input', () => {
  let t: TestApp;
  let user: { accessToken: string; userId: string };
  let adminToken: string;
  let mfaToken: string;
  let routes: RouteInfo[];
  beforeAll(async () => {
    t = await startTestApp({ env: { VONAGE_SIGNATURE_SECRET: RECEIPT_SECRET } });
    user = await registerAndLogin(t, 'hostile@example.com');
    // An aal2 admin gets past every guard, so the admin routes' own validation is what answers.
    adminToken = (await adminAccessToken(t, 'hostile-admin@example.com')).accessToken;
    const stepUp = await t.post('/auth/step-up', undefined, user.accessToken);
    mfaToken = stepUp.body.mfaToken;
    routes = routeInventory(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A token that gets past the route's guard; routes that end the session get one of their own. */
  const tokenFor = async (route: RouteInfo): Promise<string | undefined> => {
    const requirement = route.requirement;
    if (requirement?.kind === 'mfa') return mfaToken;
    if (requirement?.kind !== 'access') return undefined;
    if (requirement.roles.includes('admin')) return adminToken;
    if (route.path === '/auth/logout') return (await arrangedAccessToken(t, 'hostile@example.com', { roles: [], aal: 1 })).accessToken;
    // Signing out everywhere else would end the sessions and the mfaToken the other routes are sent with.
    if (route.path === '/me/sessions/revoke-others') return (await arrangedAccessToken(t, 'hostile-elsewhere@example.com', { roles: [], aal: 1 })).accessToken;
    return user.accessToken;
  };

  const expectProblem = (label: string, res: HttpResult) => {
    const summary = { label, status: res.status, type: res.headers.get('content-type'), code: res.body?.code };
    expect(summary).toEqual({
      label,
      status: expect.any(Number),
      type: expect.stringContaining('application/problem+json'),
      code: expect.any(String),
    });
    const verdict = res.status >= 400 && res.status < 500 ? 'a 4xx' : `${res.status} ${res.text}`;
    expect({ label, verdict }).toEqual({ label, verdict: 'a 4xx' });
    expect(res.text).not.toMatch(/\bat \S+ \(|node_modules|QueryFailedError|SyntaxError|TypeError|URIError|duplicate key/);
  };

  it('every body-taking route answers bad bodies with a 4xx problem, and accepts only what is listed', async () => {
    const targets = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    expect(targets.length).toBeGreaterThan(2);
    const accepted: Record<string, string[]> = {};
    for (const route of targets) {
      const path = route.path.replace(/:\w+/g, '00000000-0000-0000-0000-000000000000');
      const name = `${route.method} ${route.path}`;
      for (const [label, payload] of bodies) {
        const token = await tokenFor(route);
        const res = await t.request(route.method, path, { ...payload, token });
        if (res.status < 300) {
          (accepted[name] ??= []).push(label);
          continue;
        }
        expectProblem(`${name}: ${label}`, res);
        // The token was good, so the answer comes from the route's own checks, not the guard.
        if (token) expect({ name, label, status: res.status }).not.toEqual({ name, label, status: 401 });
      }
    }
    expect(accepted).toEqual(ACCEPTED);
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

  it('refuses a lone surrogate in the registration email with 400, not a validator crash', async () => {
    for (const email of ['x\ud800y@example.com', 'x\udc00@example.com', '\ud800', 'ada@exam\udfffple.com']) {
      const res = await t.post('/auth/register', { email, password: 'correct horse battery' });
      expectProblem(`register ${JSON.stringify(email)}`, res);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'email', message: expect.any(String) }] });
    }
    // A surrogate pair is a real character (U+1F600), not a lone surrogate: it meets the email rules or not on its own merits.
    const pair = await t.post('/auth/register', { email: 'x\ud83d\ude00y@example.com', password: 'correct horse battery' });
    expect(pair.status === 201 || pair.body.code === 'VALIDATION_FAILED').toBe(true);
  });

  it('refuses NUL and lone surrogates in queries and path parameters with a field error', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/admin/users?email=%00', 'email'],
      ['GET', '/admin/users?email=a%00b', 'email'],
      ['GET', '/admin/audit-events?type=mfa%00', 'type'],
      ['GET', '/admin/audit-events?cursor=%00', 'cursor'],
      ['GET', '/admin/users/%00', 'id'],
      ['POST', '/admin/users/%00/unlock', 'id'],
      ['DELETE', '/admin/users/00000000-0000-0000-0000-000000000000/mfa/factors/a%00', 'factorId'],
    ];
    for (const [method, path, field] of cases) {
      const res = await t.request(method, path, { token: adminToken });
      expectProblem(`${method} ${path}`, res);
      expect({ path, code: res.body.code, errors: res.body.errors }).toEqual({
        path,
        code: 'VALIDATION_FAILED',
        errors: [{ field, message: expect.any(String) }],
      });
    }
    for (const [method, path, field] of [
      ['PATCH', '/me/mfa/factors/%00', 'id'],
      ['DELETE', '/me/mfa/factors/x%00', 'id'],
    ] as const) {
      const res = await t.request(method, path, { token: user.accessToken, body: method === 'PATCH' ? { label: 'ok' } : undefined });
      expectProblem(`${method} ${path}`, res);
      expect({ path, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({ path, code: 'VALIDATION_FAILED', field });
    }
    const resend = await t.request('POST', '/auth/mfa/challenges/%00/resend', { token: mfaToken });
    expect({ code: resend.body.code, field: resend.body.errors?.[0]?.field }).toEqual({ code: 'VALIDATION_FAILED', field: 'id' });
  });

  it('refuses a signed delivery receipt whose messageId holds a NUL or a lone surrogate', async () => {
    const now = String(Math.floor(t.clock.now().getTime() / 1000));
    for (const [label, messageId] of [
      ['NUL', 'abc\u0000def'],
      ['lone surrogate', 'abc\ud800def'],
    ]) {
      const params = { messageId, status: 'delivered', msisdn: '447400123456', timestamp: now, nonce: randomUUID() };
      const res = await t.post('/webhooks/vonage/delivery-receipt', { ...params, sig: vonageSignature(params, RECEIPT_SECRET) });
      expectProblem(`receipt with a ${label}`, res);
      expect({ label, code: res.body.code, errors: res.body.errors }).toEqual({
        label,
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'messageId', message: expect.any(String) }],
      });
    }
    // The same receipt with a clean id is accepted (it matches no message, which changes nothing).
    const params = { messageId: 'abcdef', status: 'delivered', msisdn: '447400123456', timestamp: now, nonce: randomUUID() };
    expect((await t.post('/webhooks/vonage/delivery-receipt', { ...params, sig: vonageSignature(params, RECEIPT_SECRET) })).status).toBe(204);
  });

  describe('validly signed tokens whose ids are not UUIDs', () => {
    const notUuids = ['not-a-uuid', '', '------------------------------------', '00000000-0000-0000-0000-00000000000g', "1' OR '1'='1", 'a\u0000b', '0'.repeat(40)];

    it('an access token whose sid or sub is not a UUID is refused with 401 on every access route', async () => {
      const tokens = t.app.get(TokenService);
      const sessions = t.app.get(SessionsService);
      const { session } = await sessions.create({ userId: user.userId, amr: ['pwd'], authTime: t.clock.now(), meta: null });
      const base = { aal: 'aal2' as const, amr: ['pwd' as const, 'sms' as const], authTime: t.clock.now(), roles: ['admin' as const] };
      const forged = [
        ...notUuids.map((sid) => ({ what: `sid ${JSON.stringify(sid)}`, claims: { ...base, sub: user.userId, sid } })),
        ...notUuids.map((sub) => ({ what: `sub ${JSON.stringify(sub)}`, claims: { ...base, sub, sid: session.id } })),
      ];
      const accessRoutes = routes.filter((r) => r.requirement?.kind === 'access');
      expect(accessRoutes.length).toBeGreaterThan(15);
      for (const { what, claims } of forged) {
        const token = await tokens.signAccess(claims);
        for (const route of accessRoutes) {
          const path = route.path.replace(/:\w+/g, randomUUID());
          const res = await t.request(route.method, path, { token, body: route.method === 'GET' ? undefined : {} });
          expectProblem(`${route.method} ${route.path} with ${what}`, res);
          expect({ route: route.path, what, status: res.status, code: res.body.code }).toEqual({
            route: route.path,
            what,
            status: 401,
            code: 'UNAUTHENTICATED',
          });
        }
      }
    });

    it('an mfaToken whose jti, sub or sid is not a UUID is refused with 401 on every mfaToken route', async () => {
      const tokens = t.app.get(TokenService);
      const forged = [
        ...notUuids.map((jti) => ({ what: `jti ${JSON.stringify(jti)}`, claims: { sub: user.userId, jti, sid: null } })),
        ...notUuids.map((sub) => ({ what: `sub ${JSON.stringify(sub)}`, claims: { sub, jti: randomUUID(), sid: null } })),
        ...notUuids.map((sid) => ({ what: `sid ${JSON.stringify(sid)}`, claims: { sub: user.userId, jti: randomUUID(), sid } })),
      ];
      const mfaRoutes = routes.filter(
        (r) => r.requirement?.kind === 'mfa' || (r.requirement?.kind === 'access' && r.requirement.mfaPurposes.length > 0),
      );
      expect(mfaRoutes.length).toBeGreaterThan(5);
      for (const { what, claims } of forged) {
        for (const purpose of ['login', 'enroll', 'step_up'] as const) {
          const token = await tokens.signMfa({ ...claims, purpose }, 300);
          for (const route of mfaRoutes) {
            const path = route.path.replace(/:\w+/g, randomUUID());
            const res = await t.request(route.method, path, { token, body: route.method === 'GET' ? undefined : {} });
            expectProblem(`${route.method} ${route.path} with ${purpose} ${what}`, res);
            expect({ route: route.path, what, status: res.status, code: res.body.code }).toEqual({
              route: route.path,
              what,
              status: 401,
              code: 'MFA_TOKEN_INVALID',
            });
          }
        }
      }
    });
  });

  it('refuses user-search cursors it did not issue with 400, as the audit cursor does', async () => {
    const id = randomUUID();
    const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      // What the old cursor format held, with instants Date.parse accepts and Postgres does not (or reads otherwise).
      cursorOf(['2025', id]),
      cursorOf(['2025-01-01', id]),
      cursorOf(['Tue, 01 Jan 2025 00:00:00 GMT', id]),
      cursorOf(['+275760-09-13T00:00:00.000Z', id]),
      cursorOf(['0000-01-01T00:00:00.000Z', id]),
      cursorOf(['2025-02-30T00:00:00.000Z', id]),
      Buffer.from(`2025,${id}`).toString('base64url'),
      Buffer.from(`2025-01-01T00:00:00.000000Z,not-a-uuid`).toString('base64url'),
      Buffer.from(`2025-02-30T00:00:00.000000Z,${id}`).toString('base64url'),
      Buffer.from(`0000-01-01T00:00:00.000000Z,${id}`).toString('base64url'),
      '2025',
      'garbage',
      '%F0%9F%98%80',
      'a'.repeat(200),
      'AAAA====',
    ];
    for (const cursor of forged) {
      const res = await t.get(`/admin/users?cursor=${encodeURIComponent(cursor)}`, adminToken);
      expectProblem(`cursor ${cursor}`, res);
      expect({ cursor, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({ cursor, code: 'VALIDATION_FAILED', field: 'cursor' });
    }
  });

  it('pages through users with its own cursors without skipping or repeating anyone', async () => {
    // Rows created within one millisecond: a cursor that kept only milliseconds would skip some of them.
    await t.db.query(
      `INSERT INTO users (id, email, password_hash, roles, created_at)
         SELECT gen_random_uuid(), 'page' || n || '@paging.example', 'x', '{}', timestamptz '2025-01-01 00:00:00.000100' + n * interval '1 microsecond'
           FROM generate_series(1, 7) n`,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: HttpResult = await t.get(`/admin/users?email=paging.example&limit=2${cursor ? `&cursor=${cursor}` : ''}`, adminToken);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((u: { email: string }) => u.email));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `page${n}@paging.example`).sort());
  });

  it('odd paths, methods and queries are 4xx problems too', async () => {
    for (const [method, path, token] of [
      ['GET', '/no/such/route'],
      ['DELETE', '/auth/login'],
      ['GET', '/auth/me?x=' + 'y'.repeat(5000)],
      // Over Node's 16 KiB header limit: refused by the HTTP parser, before Express.
      ['GET', '/auth/me?x=' + 'y'.repeat(20_000)],
      ['GET', '/%E0%A4%A'],
      // UTF-8 of a surrogate code point: not valid UTF-8, so not an id.
      ['GET', '/admin/users/%ED%A0%80', adminToken],
      ['GET', '/.well-known/jwks.json/../../etc/passwd'],
    ]) {
      const res = await t.request(method, path, { token });
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

const RECEIPT_SECRET = 'hostile-receipt-secret';
