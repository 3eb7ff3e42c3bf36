import { adminAccessToken } from '../support/admin-session.js';
import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { aal2Session, userWithSms } from '../support/sms-test-app.js';

describe('email one-time codes as a second factor', () => {
  let t: EmailTestApp;
  beforeAll(async () => {
    t = await startEmailTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function allowEmail(allowed: boolean) {
    const admin = await adminAccessToken(t, 'policy-admin@example.com');
    const current = await t.get('/admin/mfa/policy', admin.accessToken);
    const allowedFactors = allowed ? [...new Set([...current.body.allowedFactors, 'email'])] : current.body.allowedFactors.filter((f: string) => f !== 'email');
    const { version: _version, ...document } = current.body;
    // Codes live 2 minutes here, so that one can expire while its mfaToken (5 minutes) still works.
    const res = await t.request('PUT', '/admin/mfa/policy', { body: { ...document, allowedFactors, sms: { ...document.sms, ttlSeconds: 120 } }, token: admin.accessToken });
    expect(res.status).toBe(200);
  }

  /** A user with an active SMS factor and an active email factor. */
  async function userWithSmsAndEmail(email: string) {
    const user = await userWithSms(t, email);
    const session = await aal2Session(t, user);
    const enrol = await t.post('/me/mfa/factors/email', {}, session.accessToken);
    expect(enrol.status).toBe(201);
    expect(enrol.body).toMatchObject({ status: 'pending', destination: `${email[0]}•••@example.com` });
    const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.smtp.lastCodeTo(email) }, session.accessToken);
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ type: 'email', status: 'active' });
    return { ...user, emailFactorId: enrol.body.factorId as string };
  }

  async function emailChallenge(user: { email: string; password: string; emailFactorId: string }) {
    const login = await t.post('/auth/login', { email: user.email, password: user.password });
    expect(login.body.status).toBe('mfa_required');
    const challenge = await t.post('/auth/mfa/challenges', { factorId: user.emailFactorId }, login.body.mfaToken);
    expect(challenge.status).toBe(201);
    return { mfaToken: login.body.mfaToken as string, login: login.body, challenge: challenge.body };
  }

  it('is off in the default policy', async () => {
    const user = await userWithSms(t, 'email-off@example.com');
    const session = await aal2Session(t, user);
    const res = await t.post('/me/mfa/factors/email', {}, session.accessToken);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('MFA_FACTOR_NOT_ALLOWED');
    const policy = await t.get('/admin/mfa/policy', (await adminAccessToken(t, 'policy-admin@example.com')).accessToken);
    expect(policy.body.allowedFactors).not.toContain('email');
  });

  describe('once an admin allows it', () => {
    beforeAll(async () => {
      await allowEmail(true);
    });

    it('lets a user with SMS and email codes complete a login with each', async () => {
      const user = await userWithSmsAndEmail('both@example.com');
      const { mfaToken, login, challenge } = await emailChallenge(user);
      expect(login.factors.map((f: { type: string }) => f.type).sort()).toEqual(['email', 'sms']);
      expect(challenge).toMatchObject({ type: 'email', factorId: user.emailFactorId, destination: 'b•••@example.com', attemptsRemaining: 5 });
      const mail = t.smtp.lastMailTo(user.email);
      expect(mail.subject).toBe('Sesame: Your sign-in code');
      expect(mail.text).toContain('valid for 2 minutes');
      const viaEmail = await t.post('/auth/mfa/verify', { type: 'email', challengeId: challenge.challengeId, code: t.smtp.lastCodeTo(user.email) }, mfaToken);
      expect(viaEmail.status).toBe(200);
      expect((await t.get('/auth/me', viaEmail.body.accessToken)).body).toMatchObject({ aal: 'aal2', amr: ['pwd', 'otp'] });

      const viaSms = await aal2Session(t, { email: user.email, phone: user.phone });
      expect((await t.get('/auth/me', viaSms.accessToken)).body).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms'] });
    });

    it('refuses the 6th guess, even a right one, and counts guesses before comparing', async () => {
      const user = await userWithSmsAndEmail('guesses@example.com');
      const { mfaToken, challenge } = await emailChallenge(user);
      const code = t.smtp.lastCodeTo(user.email);
      const wrong = code === '000000' ? '111111' : '000000';
      const remaining = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.post('/auth/mfa/verify', { type: 'email', challengeId: challenge.challengeId, code: wrong }, mfaToken);
        expect(res.body.code).toBe('MFA_INVALID_CODE');
        remaining.push(res.body.attemptsRemaining);
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      const sixth = await t.post('/auth/mfa/verify', { type: 'email', challengeId: challenge.challengeId, code }, mfaToken);
      expect(sixth.status).toBe(429);
      expect(sixth.body.code).toBe('MFA_CHALLENGE_LOCKED');
    });

    it('holds the cap under 20 parallel guesses', async () => {
      const user = await userWithSmsAndEmail('parallel-guesses@example.com');
      const { mfaToken, challenge } = await emailChallenge(user);
      const code = t.smtp.lastCodeTo(user.email);
      const wrong = code === '000000' ? '111111' : '000000';
      const results = await Promise.all(Array.from({ length: 20 }, () => t.post('/auth/mfa/verify', { type: 'email', challengeId: challenge.challengeId, code: wrong }, mfaToken)));
      expect(results.filter((r) => r.body.code === 'MFA_INVALID_CODE')).toHaveLength(5);
      const { rows } = await t.db.query(`SELECT attempts FROM email_challenges WHERE id = $1`, [challenge.challengeId]);
      expect(rows[0].attempts).toBe(5);
    });

    it('refuses a replayed code, and one correct code wins among 10 parallel submissions', async () => {
      const user = await userWithSmsAndEmail('replay@example.com');
      const { mfaToken, challenge } = await emailChallenge(user);
      const code = t.smtp.lastCodeTo(user.email);
      const body = { type: 'email', challengeId: challenge.challengeId, code };
      const results = await Promise.all(Array.from({ length: 10 }, () => t.post('/auth/mfa/verify', body, mfaToken)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      const replay = await t.post('/auth/mfa/verify', body, mfaToken);
      expect(replay.status).toBe(410);
      expect(replay.body.code).toBe('MFA_CHALLENGE_USED');
      // Another login's token cannot reach this challenge at all.
      const other = await emailChallenge(user);
      expect((await t.post('/auth/mfa/verify', body, other.mfaToken)).body.code).toBe('NOT_FOUND');
    });

    it('refuses an expired code', async () => {
      const user = await userWithSmsAndEmail('expired@example.com');
      const { mfaToken, challenge } = await emailChallenge(user);
      t.clock.advance(121);
      const res = await t.post('/auth/mfa/verify', { type: 'email', challengeId: challenge.challengeId, code: t.smtp.lastCodeTo(user.email) }, mfaToken);
      expect(res.status).toBe(410);
      expect(res.body.code).toBe('MFA_CHALLENGE_EXPIRED');
    });

    it('never takes a code address from the request', async () => {
      const user = await userWithSms(t, 'redirect@example.com');
      const session = await aal2Session(t, user);
      const res = await t.post('/me/mfa/factors/email', { email: 'attacker@example.com' }, session.accessToken);
      expect(res.status).toBe(400);
      expect(t.smtp.mailTo('attacker@example.com')).toHaveLength(0);
    });
  });
});
