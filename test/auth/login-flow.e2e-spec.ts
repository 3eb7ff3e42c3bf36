import { startTestApp, type TestApp } from '../support/test-app.js';

describe('password login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers, logs in and shows the caller on /auth/me', async () => {
    const reg = await t.post('/auth/register', { email: ' Ada@Example.com ', password: 'correct horse battery' });
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({ id: expect.any(String), email: 'ada@example.com' });

    const login = await t.post('/auth/login', { email: 'ADA@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ status: 'authenticated', tokenType: 'Bearer', expiresIn: 900 });

    const me = await t.get('/auth/me', login.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: reg.body.id, email: 'ada@example.com', roles: [], aal: 'aal1', amr: ['pwd'] });
  });
});
