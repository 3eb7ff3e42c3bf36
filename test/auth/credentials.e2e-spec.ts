import { startTestApp, type TestApp } from '../support/test-app.js';

describe('credentials', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.post('/auth/register', { email: 'known@example.com', password: 'correct horse battery' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('unknown email and wrong password give the identical response', async () => {
    const unknown = await t.post('/auth/login', { email: 'nobody@example.com', password: 'correct horse battery' });
    const wrong = await t.post('/auth/login', { email: 'known@example.com', password: 'wrong horse battery' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(unknown.headers.get('content-type')).toBe(wrong.headers.get('content-type'));
    expect(unknown.body).toEqual({ type: 'about:blank', title: 'Invalid email or password', status: 401, code: 'INVALID_CREDENTIALS' });
  });

  it('stores passwords as Argon2id with OWASP parameters', async () => {
    const { rows } = await t.db.query(`SELECT password_hash FROM users WHERE email = 'known@example.com'`);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('refuses a taken email with 409 CONFLICT and a weak password with field errors', async () => {
    const taken = await t.post('/auth/register', { email: 'KNOWN@example.com', password: 'another good one' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('CONFLICT');
    const weak = await t.post('/auth/register', { email: 'weak@example.com', password: 'password1' });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'password', message: expect.stringMatching(/common/) }] });
  });

  it('of concurrent registrations of one email exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => t.post('/auth/register', { email: 'twice@example.com', password: 'correct horse battery' })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
  });

  it('records failed logins in the audit log, with the account when it exists', async () => {
    const { rows } = await t.db.query(`SELECT user_id, metadata FROM audit_events WHERE type = 'login.failed'`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.some((r) => r.user_id !== null)).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/horse/);
  });
});

describe('registration with a phone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps a valid mobile as a pending factor, sends nothing, and logs in with the password alone', async () => {
    const reg = await t.post('/auth/register', { email: 'phone@example.com', password: 'correct horse battery', phone: '+447400123456' });
    expect(reg.status).toBe(201);
    const { rows } = await t.db.query(`SELECT type, status, label FROM mfa_factors WHERE user_id = $1`, [reg.body.id]);
    expect(rows).toEqual([{ type: 'sms', status: 'pending', label: '+44 •••• ••• 456' }]);
    expect((await t.db.query('SELECT count(*)::int AS n FROM sms_messages')).rows[0].n).toBe(0);
    const login = await t.post('/auth/login', { email: 'phone@example.com', password: 'correct horse battery' });
    expect(login.body.status).toBe('authenticated');
  });

  it('refuses a landline or an invalid number before creating the account', async () => {
    for (const phone of ['+442071838750', 'call me']) {
      const res = await t.post('/auth/register', { email: 'landline@example.com', password: 'correct horse battery', phone });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('phone');
    }
    expect((await t.post('/auth/register', { email: 'landline@example.com', password: 'correct horse battery' })).status).toBe(201);
  });
});
