import { decodeJwt } from 'jose';
import { nextPhone, startSmsTestApp, type SmsTestApp } from '../support/sms-test-app.js';

describe('mfa_enrollment_required: a first factor set up with the enrolment token completes the login', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('an admin without a factor must enrol one, and activating it yields aal2 tokens', async () => {
    const reg = await t.post('/auth/register', { email: 'root@example.com', password: 'correct horse battery' });
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [reg.body.id]);

    const login = await t.post('/auth/login', { email: 'root@example.com', password: 'correct horse battery' });
    expect(login.body).toEqual({
      status: 'mfa_enrollment_required',
      mfaToken: expect.any(String),
      expiresIn: 300,
      allowedFactors: ['sms', 'totp', 'webauthn'],
    });
    expect(decodeJwt(login.body.mfaToken).purpose).toBe('enroll');

    // The enrolment token opens nothing else.
    expect((await t.get('/auth/me', login.body.mfaToken)).status).toBe(401);
    expect((await t.post('/auth/mfa/verify', { challengeId: '00000000-0000-0000-0000-000000000000', code: '123456' }, login.body.mfaToken)).status).toBe(401);

    const phone = nextPhone();
    const enrol = await t.post('/me/mfa/factors/sms', { phone }, login.body.mfaToken);
    expect(enrol.status).toBe(201);

    const wrong = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: '000000' }, login.body.mfaToken);
    expect(wrong.body).toMatchObject({ code: 'MFA_INVALID_CODE', attemptsRemaining: 4 });

    const activated = await t.post(
      `/me/mfa/factors/${enrol.body.factorId}/activate`,
      { challengeId: enrol.body.challengeId, code: t.lastCode(phone) },
      login.body.mfaToken,
    );
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ id: enrol.body.factorId, status: 'active', tokenType: 'Bearer', accessToken: expect.any(String) });
    expect(decodeJwt(activated.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms'], roles: ['admin'] });

    // The token enrolled one factor and is spent.
    const second = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, login.body.mfaToken);
    expect(second.status).toBe(401);

    const next = await t.post('/auth/login', { email: 'root@example.com', password: 'correct horse battery' });
    expect(next.body.status).toBe('mfa_required');
  });

  it('once a factor is active, adding another needs a fresh aal2 session', async () => {
    const reg = await t.post('/auth/register', { email: 'owner@example.com', password: 'correct horse battery' });
    expect(reg.status).toBe(201);
    const login = await t.post('/auth/login', { email: 'owner@example.com', password: 'correct horse battery' });
    const phone = nextPhone();
    const enrol = await t.post('/me/mfa/factors/sms', { phone }, login.body.accessToken);
    await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.lastCode(phone) }, login.body.accessToken);

    // The aal1 session that enrolled the first factor cannot add a second one.
    const refused = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, login.body.accessToken);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('STEP_UP_REQUIRED');

    // Step up with the SMS factor, then it works.
    const stepUp = await t.post('/auth/step-up', undefined, login.body.accessToken);
    expect(stepUp.body.factors).toEqual([expect.objectContaining({ id: enrol.body.factorId, type: 'sms' })]);
    const challenge = await t.post('/auth/mfa/challenges', { factorId: enrol.body.factorId }, stepUp.body.mfaToken);
    const upgraded = await t.post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: t.lastCode(phone) }, stepUp.body.mfaToken);
    expect(upgraded.status).toBe(200);
    expect(decodeJwt(upgraded.body.accessToken)).toMatchObject({ aal: 'aal2', sid: decodeJwt(login.body.accessToken).sid });
    const allowed = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, upgraded.body.accessToken);
    expect(allowed.status).toBe(201);

    // Fifteen minutes later the same session is no longer fresh enough.
    t.clock.advance(901);
    try {
      const stale = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, upgraded.body.accessToken);
      expect(stale.status).toBe(401); // the access token itself expired after 15 minutes
      const refreshed = await t.post('/auth/refresh', { refreshToken: upgraded.body.refreshToken });
      const again = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, refreshed.body.accessToken);
      expect(again.status).toBe(403);
      expect(again.body.code).toBe('STEP_UP_REQUIRED');
    } finally {
      t.clock.advance(-901);
    }
  });
});
