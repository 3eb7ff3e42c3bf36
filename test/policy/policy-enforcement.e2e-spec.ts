import { adminAccessToken } from '../support/admin-session.js';
import { registerAndLogin } from '../support/test-app.js';
import { loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

/** Policy changes take effect on the next request: code length, TTL, countries, factors. */
describe('MFA policy enforcement', () => {
  let t: SmsTestApp;
  let adminToken: string;

  beforeAll(async () => {
    t = await startSmsTestApp();
    adminToken = (await adminAccessToken(t, 'policy-admin@example.com')).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  async function setPolicy(change: (p: any) => void) {
    const current = await t.get('/admin/mfa/policy', adminToken);
    const next = structuredClone(current.body);
    change(next);
    const res = await t.request('PUT', '/admin/mfa/policy', { body: next, token: adminToken });
    expect(res.status).toBe(200);
    return res.body;
  }

  afterEach(async () => {
    await setPolicy((p) => {
      p.mode = 'optional';
      p.allowedFactors = ['sms', 'totp', 'webauthn', 'recovery_code'];
      p.sms.codeLength = 6;
      p.sms.ttlSeconds = 300;
      p.sms.allowedCountries = [];
    });
  });

  it('codeLength 8: the next SMS carries an 8-digit code that verifies', async () => {
    const user = await userWithSms(t, 'eight@example.com');
    await setPolicy((p) => (p.sms.codeLength = 8));
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const code = t.lastCode(user.phone);
    expect(code).toMatch(/^\d{8}$/);
    const ok = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code }, mfaToken);
    expect(ok.status).toBe(200);
  });

  it('a code is refused once the clock passes the policy TTL', async () => {
    const user = await userWithSms(t, 'ttl@example.com');
    await setPolicy((p) => (p.sms.ttlSeconds = 60));
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    expect(Date.parse(challenge.expiresAt) - t.clock.now().getTime()).toBeLessThanOrEqual(60_000);
    t.clock.advance(61);
    try {
      const res = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
      expect(res.status).toBe(410);
      expect(res.body.code).toBe('MFA_CHALLENGE_EXPIRED');
    } finally {
      t.clock.advance(-61);
    }
  });

  it('allowedCountries ["GB"]: a US number is refused at enrolment and an enrolled US number gets no SMS', async () => {
    // Enrolled while every country was allowed.
    const us = await userWithSms(t, 'us@example.com', '+12015550123');
    await setPolicy((p) => (p.sms.allowedCountries = ['GB']));
    const sentBefore = t.vonage.messages.length;

    await t.post('/auth/register', { email: 'new-us@example.com', password: 'correct horse battery' });
    const login = await t.post('/auth/login', { email: 'new-us@example.com', password: 'correct horse battery' });
    const enrol = await t.post('/me/mfa/factors/sms', { phone: '+12015550199' }, login.body.accessToken);
    expect(enrol.status).toBe(403);
    expect(enrol.body.code).toBe('SMS_DESTINATION_NOT_ALLOWED');

    const usLogin = await t.post('/auth/login', { email: us.email, password: 'correct horse battery' });
    const challenge = await t.post('/auth/mfa/challenges', { factorId: us.factorId }, usLogin.body.mfaToken);
    expect(challenge.status).toBe(403);
    expect(challenge.body.code).toBe('SMS_DESTINATION_NOT_ALLOWED');
    expect(t.vonage.messages.length).toBe(sentBefore);

    // A GB number is still fine.
    const gb = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, login.body.accessToken);
    expect(gb.status).toBe(201);
  });

  it('removing sms from allowedFactors: SMS can no longer be enrolled, and an SMS-only user keeps it until they enrol an allowed factor', async () => {
    const user = await userWithSms(t, 'no-sms@example.com');
    const before = await t.post('/auth/login', { email: user.email, password: 'correct horse battery' });
    expect(before.body.status).toBe('mfa_required');

    await setPolicy((p) => (p.allowedFactors = ['totp', 'webauthn', 'recovery_code']));
    const after = await t.post('/auth/login', { email: user.email, password: 'correct horse battery' });
    // Narrowing the policy never lets a password alone through: the old factor is still asked for, with a notice.
    expect(after.body).toMatchObject({ status: 'mfa_required', notice: 'FACTOR_NO_LONGER_ALLOWED' });
    expect(after.body.factors.map((f: { type: string }) => f.type)).toEqual(['sms']);

    const signedIn = await registerAndLogin(t, 'no-sms-newcomer@example.com');
    const enrol = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, signedIn.accessToken);
    expect(enrol.status).toBe(403);
    expect(enrol.body.code).toBe('MFA_FACTOR_NOT_ALLOWED');
    const challenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, after.body.mfaToken);
    expect(challenge.status).toBe(201);
  });

  it('mode required: a user without a factor must enrol on the next login; optional lets them in', async () => {
    await t.post('/auth/register', { email: 'nofactor@example.com', password: 'correct horse battery' });
    expect((await t.post('/auth/login', { email: 'nofactor@example.com', password: 'correct horse battery' })).body.status).toBe('authenticated');
    await setPolicy((p) => (p.mode = 'required'));
    expect((await t.post('/auth/login', { email: 'nofactor@example.com', password: 'correct horse battery' })).body.status).toBe(
      'mfa_enrollment_required',
    );
  });
});
