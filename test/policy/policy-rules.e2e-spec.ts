import { adminAccessToken } from '../support/admin-session.js';
import { aal2Session, loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { totpCode } from '../support/totp-code.js';

const PASSWORD = 'correct horse battery';

/**
 * Rules per role, group and user: a rule `roles: [admin] → required, factors
 * [webauthn, totp], step-up 300 s` ahead of a default `optional`.
 */
describe('MFA policy rules', () => {
  let t: SmsTestApp;
  let adminToken: string;
  let base: Record<string, unknown>;

  beforeAll(async () => {
    t = await startSmsTestApp();
    adminToken = (await adminAccessToken(t, 'rules-admin@example.com')).accessToken;
    const { version: _version, ...document } = (await t.get('/admin/mfa/policy', adminToken)).body;
    base = document;
  });
  afterAll(async () => {
    await t.close();
  });

  async function put(document: Record<string, unknown>) {
    const res = await t.request('PUT', '/admin/mfa/policy', { body: document, token: adminToken });
    expect(res.status).toBe(200);
    return res.body;
  }
  const adminsRule = { name: 'admins', match: { roles: ['admin'] }, mode: 'required', allowedFactors: ['webauthn', 'totp'], stepUpMaxAgeSeconds: 300 };

  beforeEach(async () => {
    // The admin setting the policy was made with an arranged aal2 session; it stays fresh for each test.
    adminToken = (await adminAccessToken(t, 'rules-admin@example.com')).accessToken;
  });
  afterEach(async () => {
    adminToken = (await adminAccessToken(t, 'rules-admin@example.com')).accessToken;
    await put(base);
  });

  async function makeAdmin(userId: string) {
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [userId]);
  }

  it('keeps today’s document readable and writable unchanged: no rules appear', async () => {
    const stored = await put(base);
    expect(stored).toEqual({ version: stored.version, ...base });
    expect(stored.rules).toBeUndefined();
  });

  it('stores and returns the rules in order', async () => {
    const stored = await put({ ...base, requiredRoles: [], rules: [adminsRule] });
    expect(stored.rules).toEqual([adminsRule]);
    expect((await t.get('/admin/mfa/policy', adminToken)).body.rules).toEqual([adminsRule]);
  });

  it('an admin without TOTP or WebAuthn is asked to enrol one of them', async () => {
    const reg = await t.post('/auth/register', { email: 'bare-admin@example.com', password: PASSWORD });
    await makeAdmin(reg.body.id);
    await put({ ...base, requiredRoles: [], rules: [adminsRule] });
    const login = await t.post('/auth/login', { email: 'bare-admin@example.com', password: PASSWORD });
    expect(login.body).toMatchObject({ status: 'mfa_enrollment_required', allowedFactors: ['webauthn', 'totp'] });
    // SMS is not one of the admin's factors, so the enrolment token cannot add it.
    const sms = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, login.body.mfaToken);
    expect({ status: sms.status, code: sms.body.code }).toEqual({ status: 403, code: 'MFA_FACTOR_NOT_ALLOWED' });
    const totp = await t.post('/me/mfa/factors/totp', {}, login.body.mfaToken);
    expect(totp.status).toBe(201);
  });

  it('an SMS-only admin is told SMS is not allowed for them, passes SMS once, then enrols TOTP and signs in with it', async () => {
    const user = await userWithSms(t, 'sms-admin@example.com');
    await makeAdmin(user.userId);
    await put({ ...base, requiredRoles: [], rules: [adminsRule] });

    const { login, mfaToken, challenge } = await loginToChallenge(t, user.email);
    expect(login).toMatchObject({ status: 'mfa_required', notice: 'FACTOR_NO_LONGER_ALLOWED', allowedFactors: ['webauthn', 'totp'] });
    expect(login.factors.map((f: { type: string }) => f.type)).toEqual(['sms']);
    const verified = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    expect(verified.status).toBe(200);
    const token = verified.body.accessToken;

    const another = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, token);
    expect({ status: another.status, code: another.body.code }).toEqual({ status: 403, code: 'MFA_FACTOR_NOT_ALLOWED' });
    const enrol = await t.post('/me/mfa/factors/totp', {}, token);
    expect(enrol.status).toBe(201);
    const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { code: totpCode(enrol.body.secret, t.clock.now()) }, token);
    expect(activated.status).toBe(200);
    t.clock.advance(30);

    const next = await t.post('/auth/login', { email: user.email, password: PASSWORD });
    expect(next.body.status).toBe('mfa_required');
    expect(next.body.notice).toBeUndefined();
    expect(next.body.factors.map((f: { type: string }) => f.type)).toEqual(['totp']);
    // SMS is no longer grandfathered now that the admin holds an allowed factor.
    const smsChallenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, next.body.mfaToken);
    expect({ status: smsChallenge.status, code: smsChallenge.body.code }).toEqual({ status: 403, code: 'MFA_FACTOR_NOT_ALLOWED' });
    const totpLogin = await t.post('/auth/mfa/verify', { factorId: enrol.body.factorId, code: totpCode(enrol.body.secret, t.clock.now()) }, next.body.mfaToken);
    expect(totpLogin.status).toBe(200);
  });

  it('users who are not admins are unaffected', async () => {
    await put({ ...base, requiredRoles: [], rules: [adminsRule] });
    await t.post('/auth/register', { email: 'plain@example.com', password: PASSWORD });
    expect((await t.post('/auth/login', { email: 'plain@example.com', password: PASSWORD })).body.status).toBe('authenticated');
    const user = await userWithSms(t, 'plain-sms@example.com');
    const { login, challenge, mfaToken } = await loginToChallenge(t, user.email);
    expect(login.notice).toBeUndefined();
    const ok = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    expect(ok.status).toBe(200);
  });

  it('the admin step-up window is 300 s; a non-admin keeps the default window', async () => {
    await put({ ...base, requiredRoles: [], rules: [adminsRule] });
    const admin = await adminAccessToken(t, 'rules-admin@example.com');
    const user = await userWithSms(t, 'window@example.com');
    const userToken = (await aal2Session(t, user)).accessToken;
    t.clock.advance(301);
    try {
      const change = await t.request('PUT', '/admin/mfa/policy', { body: base, token: admin.accessToken });
      expect({ status: change.status, code: change.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
      const totp = await t.post('/me/mfa/factors/totp', {}, userToken);
      expect(totp.status).toBe(201);
    } finally {
      t.clock.advance(-301);
    }
  });

  it('matches a group an admin set, and an explicit user id', async () => {
    const inGroup = await t.post('/auth/register', { email: 'finance@example.com', password: PASSWORD });
    const named = await t.post('/auth/register', { email: 'named@example.com', password: PASSWORD });
    const set = await t.request('PUT', `/admin/users/${inGroup.body.id}/groups`, { body: { groups: ['finance', 'eu'] }, token: adminToken });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ id: inGroup.body.id, groups: ['eu', 'finance'] });
    expect((await t.get(`/admin/users/${inGroup.body.id}`, adminToken)).body.groups).toEqual(['eu', 'finance']);
    const { rows } = await t.db.query(`SELECT actor_id, metadata FROM audit_events WHERE user_id = $1 AND type = 'admin.user.groups.changed'`, [inGroup.body.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].metadata).toEqual({ from: [], to: ['eu', 'finance'] });

    const required = { mode: 'required', allowedFactors: ['totp'], stepUpMaxAgeSeconds: 600 };
    await put({
      ...base,
      requiredRoles: [],
      rules: [
        { name: 'finance', match: { groups: ['finance'] }, ...required },
        { name: 'named', match: { userIds: [named.body.id] }, ...required },
      ],
    });
    for (const email of ['finance@example.com', 'named@example.com']) {
      expect((await t.post('/auth/login', { email, password: PASSWORD })).body).toMatchObject({ status: 'mfa_enrollment_required', allowedFactors: ['totp'] });
    }
    await t.post('/auth/register', { email: 'elsewhere@example.com', password: PASSWORD });
    expect((await t.post('/auth/login', { email: 'elsewhere@example.com', password: PASSWORD })).body.status).toBe('authenticated');
  });

  it('refuses bad group lists with VALIDATION_FAILED and an unknown user with NOT_FOUND', async () => {
    const reg = await t.post('/auth/register', { email: 'bad-groups@example.com', password: PASSWORD });
    for (const body of [{ groups: ['Finance'] }, { groups: 'finance' }, { groups: ['a', 'a'] }, {}, { groups: [], extra: 1 }]) {
      const res = await t.request('PUT', `/admin/users/${reg.body.id}/groups`, { body, token: adminToken });
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    const missing = await t.request('PUT', `/admin/users/00000000-0000-4000-8000-000000000000/groups`, { body: { groups: [] }, token: adminToken });
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});
