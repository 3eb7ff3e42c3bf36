import { registerAndLogin, startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery';

describe('HTTP conventions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('415 for a body that is not JSON', () => {
    it.each([
      ['text/plain', `{"email":"a@example.com","password":"${PASSWORD}"}`],
      ['application/x-www-form-urlencoded', `email=a%40example.com&password=${encodeURIComponent(PASSWORD)}`],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--x--\r\n`],
    ])('%s is refused with UNSUPPORTED_MEDIA_TYPE, not read as an empty object', async (type, raw) => {
      const res = await t.request('POST', '/auth/login', { raw, headers: { 'content-type': type } });
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('JSON, with a charset or as a +json type, is read', async () => {
      await t.post('/auth/register', { email: 'json-types@example.com', password: PASSWORD });
      const body = JSON.stringify({ email: 'json-types@example.com', password: PASSWORD });
      for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
        const res = await t.request('POST', '/auth/login', { raw: body, headers: { 'content-type': type } });
        expect({ type, status: res.status }).toEqual({ type, status: 200 });
      }
    });
  });

  describe('WWW-Authenticate on 401 (RFC 6750)', () => {
    it('plain Bearer when no token was sent', async () => {
      const res = await t.get('/auth/me');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('error="invalid_token" when the token sent was refused', async () => {
      const garbage = await t.get('/auth/me', 'not-a-token');
      expect(garbage.status).toBe(401);
      expect(garbage.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');

      // An access token where an mfaToken is expected is a refused token too.
      const { accessToken } = await registerAndLogin(t, 'www-authenticate@example.com');
      const wrongType = await t.post('/auth/mfa/verify', { factorId: 'x', code: '123456' }, accessToken);
      expect(wrongType.status).toBe(401);
      expect(wrongType.body.code).toBe('MFA_TOKEN_INVALID');
      expect(wrongType.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    });

    it('a wrong password names the scheme, without blaming a token', async () => {
      const res = await t.post('/auth/login', { email: 'nobody@example.com', password: PASSWORD });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('a success carries no challenge', async () => {
      const { accessToken } = await registerAndLogin(t, 'www-authenticate-ok@example.com');
      const res = await t.get('/auth/me', accessToken);
      expect(res.status).toBe(200);
      expect(res.headers.get('www-authenticate')).toBeNull();
    });
  });

  describe('405 with Allow for a known path and a wrong method', () => {
    it.each([
      ['GET', '/auth/login', 'POST'],
      ['PUT', '/auth/me', 'GET, HEAD'],
      ['DELETE', '/admin/mfa/policy', 'GET, HEAD, PUT'],
      ['GET', '/me/mfa/factors/0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87', 'DELETE, PATCH'],
      ['POST', '/.well-known/jwks.json', 'GET, HEAD'],
    ])('%s %s → 405, Allow: %s', async (method, path, allow) => {
      const res = await t.request(method, path);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'about:blank', status: 405, code: 'METHOD_NOT_ALLOWED' });
    });

    it('an unknown path is still 404, and a known method still reaches its route', async () => {
      const unknown = await t.request('GET', '/auth/nowhere');
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
      expect(unknown.headers.get('allow')).toBeNull();
      const head = await t.request('HEAD', '/auth/me');
      expect(head.status).toBe(401);
      const jwks = await t.get('/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
    });

    it('a 404 a route answers itself stays a 404', async () => {
      const { accessToken } = await registerAndLogin(t, 'method-not-allowed@example.com');
      const res = await t.request('DELETE', '/me/mfa/factors/0b6f2c1e-8d4a-4f7e-9a51-3c2d1e0f9a87', { token: accessToken });
      expect(res.status).toBe(404);
      expect(res.headers.get('allow')).toBeNull();
    });
  });
});
