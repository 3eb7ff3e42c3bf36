import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { startTestApp, registerAndLogin, type TestApp } from '../support/test-app.js';

/** Tokens as an attacker would try them: forged, re-signed, expired, of the wrong type. */
describe('access tokens', () => {
  let t: TestApp;
  let login: any;
  beforeAll(async () => {
    t = await startTestApp();
    login = await registerAndLogin(t, 'tokens@example.com');
  });
  afterAll(async () => {
    await t.close();
  });

  it('are ES256 JWTs with a kid that the published JWKS verifies', async () => {
    const header = decodeProtectedHeader(login.accessToken);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    const jwks = await t.get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const jwk = jwks.body.keys.find((k: any) => k.kid === header.kid);
    expect(jwk).toBeDefined();
    expect(jwk.d).toBeUndefined(); // never the private part
    const { payload } = await jwtVerify(login.accessToken, await importJWK(jwk, 'ES256'), { audience: 'sesame' });
    expect(payload).toMatchObject({ sub: login.userId, aal: 'aal1', amr: ['pwd'], roles: [], sid: expect.any(String) });
    expect(typeof payload.auth_time).toBe('number');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
  });

  it('refuses alg none', async () => {
    const [, body] = login.accessToken.split('.');
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: decodeProtectedHeader(login.accessToken).kid }));
    const res = await t.get('/auth/me', `${header}.${body}.`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token signed by another key with our kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const claims = decodeJwt(login.accessToken);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: decodeProtectedHeader(login.accessToken).kid })
      .sign(privateKey);
    expect((await t.get('/auth/me', forged)).status).toBe(401);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwks = await t.get('/.well-known/jwks.json');
    const secret = new TextEncoder().encode(JSON.stringify(jwks.body.keys[0]));
    const forged = await new SignJWT(decodeJwt(login.accessToken))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: jwks.body.keys[0].kid })
      .sign(secret);
    expect((await t.get('/auth/me', forged)).status).toBe(401);
  });

  it('refuses an unknown kid even with a valid signature shape', async () => {
    const [, body, sig] = login.accessToken.split('.');
    const header = base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: 'someone-elses-key' }));
    expect((await t.get('/auth/me', `${header}.${body}.${sig}`)).status).toBe(401);
  });

  it('refuses an expired token', async () => {
    expect((await t.get('/auth/me', login.accessToken)).status).toBe(200);
    t.clock.advance(901);
    try {
      const res = await t.get('/auth/me', login.accessToken);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    } finally {
      t.clock.advance(-901);
    }
  });

  it('refuses garbage, a missing header and other schemes', async () => {
    for (const token of ['x', 'a.b.c', '....', 'é'.repeat(10)]) {
      expect((await t.request('GET', '/auth/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    }
    expect((await t.get('/auth/me')).status).toBe(401);
    expect((await t.request('GET', '/auth/me', { headers: { authorization: `Basic ${login.accessToken}` } })).status).toBe(401);
  });
});

describe('access tokens with an Ed25519 signing key', () => {
  let t: TestApp;
  let login: any;
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    t = await startTestApp({ env: { JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } });
    login = await registerAndLogin(t, 'eddsa@example.com');
  });
  afterAll(async () => {
    await t.close();
  });

  it('are EdDSA JWTs that the published JWKS verifies, and they are accepted', async () => {
    const header = decodeProtectedHeader(login.accessToken);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
    const jwks = await t.get('/.well-known/jwks.json');
    const jwk = jwks.body.keys.find((k: any) => k.kid === header.kid);
    await jwtVerify(login.accessToken, await importJWK(jwk, 'EdDSA'), { audience: 'sesame' });
    const me = await t.get('/auth/me', login.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(login.userId);
  });

  it('refuses a token signed by another Ed25519 key with our kid', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT(decodeJwt(login.accessToken))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: decodeProtectedHeader(login.accessToken).kid })
      .sign(privateKey);
    const res = await t.get('/auth/me', forged);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an expired token', async () => {
    t.clock.advance(901);
    try {
      expect((await t.get('/auth/me', login.accessToken)).status).toBe(401);
    } finally {
      t.clock.advance(-901);
    }
  });

  it('an mfaToken works where one is expected and nowhere else', async () => {
    const stepUp = await t.post('/auth/step-up', undefined, login.accessToken);
    expect(stepUp.status).toBe(200);
    expect(decodeProtectedHeader(stepUp.body.mfaToken).alg).toBe('EdDSA');
    const me = await t.get('/auth/me', stepUp.body.mfaToken);
    expect({ status: me.status, code: me.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    // The user has no factor: the token is accepted and the factor id refused.
    const challenge = await t.post('/auth/mfa/challenges', { factorId: '00000000-0000-4000-8000-000000000000' }, stepUp.body.mfaToken);
    expect(challenge.status).not.toBe(401);
    const wrongType = await t.post('/auth/mfa/challenges', { factorId: '00000000-0000-4000-8000-000000000000' }, login.accessToken);
    expect({ status: wrongType.status, code: wrongType.body.code }).toEqual({ status: 401, code: 'MFA_TOKEN_INVALID' });
  });
});

describe('mfa tokens and access tokens never cross', () => {
  let t: TestApp;
  let login: any;
  let mfaToken: string;
  beforeAll(async () => {
    t = await startTestApp();
    login = await registerAndLogin(t, 'crossing@example.com');
    const stepUp = await t.post('/auth/step-up', undefined, login.accessToken);
    expect(stepUp.status).toBe(200);
    mfaToken = stepUp.body.mfaToken;
  });
  afterAll(async () => {
    await t.close();
  });

  it('an mfaToken has its own type and audience and carries no secret', () => {
    expect(decodeProtectedHeader(mfaToken).typ).toBe('mfa+jwt');
    const claims = decodeJwt(mfaToken);
    expect(claims.aud).toBe('sesame:mfa');
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'purpose', 'sid', 'sub']);
  });

  it('an mfaToken is refused by /auth/me and every route that takes an access token', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/auth/me'],
      ['POST', '/auth/logout'],
      ['POST', '/auth/step-up'],
    ];
    for (const [method, path] of routes) {
      const res = await t.request(method, path, { token: mfaToken });
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 401, code: 'UNAUTHENTICATED' });
    }
  });
});

describe('refresh tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('rotate on every use, and the new pair works', async () => {
    const login = await registerAndLogin(t, 'rotate@example.com');
    const first = await t.post('/auth/refresh', { refreshToken: login.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(login.refreshToken);
    expect(first.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    expect((await t.get('/auth/me', first.body.accessToken)).status).toBe(200);
    const second = await t.post('/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);
  });

  it('are stored only as hashes', async () => {
    const login = await registerAndLogin(t, 'hashed@example.com');
    const { rows } = await t.db.query('SELECT token_hash FROM refresh_tokens');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.token_hash)).not.toContain(login.refreshToken);
  });

  it('reuse of a rotated token revokes the whole session', async () => {
    const login = await registerAndLogin(t, 'reuse@example.com');
    const rotated = await t.post('/auth/refresh', { refreshToken: login.refreshToken });
    expect(rotated.status).toBe(200);

    const replay = await t.post('/auth/refresh', { refreshToken: login.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('REFRESH_TOKEN_INVALID');

    // The legitimate holder's newer tokens die with the session.
    expect((await t.post('/auth/refresh', { refreshToken: rotated.body.refreshToken })).status).toBe(401);
    expect((await t.get('/auth/me', rotated.body.accessToken)).status).toBe(401);
    const audit = await t.db.query(`SELECT * FROM audit_events WHERE type = 'refresh_token.reused' AND user_id = $1`, [login.userId]);
    expect(audit.rows).toHaveLength(1);
  });

  it('of two concurrent refreshes with one token, exactly one succeeds', async () => {
    const login = await registerAndLogin(t, 'race@example.com');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.post('/auth/refresh', { refreshToken: login.refreshToken })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(9);
  });

  it('an unknown token is refused without revoking anything', async () => {
    const res = await t.post('/auth/refresh', { refreshToken: 'A'.repeat(43) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('REFRESH_TOKEN_INVALID');
  });
});

describe('logout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('revokes the session server-side: its access and refresh tokens stop working', async () => {
    const login = await registerAndLogin(t, 'logout@example.com');
    const out = await t.post('/auth/logout', undefined, login.accessToken);
    expect(out.status).toBe(204);
    expect((await t.get('/auth/me', login.accessToken)).status).toBe(401);
    expect((await t.post('/auth/refresh', { refreshToken: login.refreshToken })).status).toBe(401);
    const audit = await t.db.query(`SELECT type FROM audit_events WHERE user_id = $1 ORDER BY id`, [login.userId]);
    expect(audit.rows.map((r) => r.type)).toEqual(['user.registered', 'login.succeeded', 'logout']);
  });
});
