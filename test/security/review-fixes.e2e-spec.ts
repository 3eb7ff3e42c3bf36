import { totpCode } from '../support/totp-code.js';
import { adminAccessToken } from '../support/admin-session.js';
import { aal2Session, loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { registerAndLogin } from '../support/test-app.js';

const PASSWORD = 'correct horse battery';


describe('fixes from the security review', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('a pending factor is not a takeover path', () => {
    it('activating a factor created at aal1 needs the same fresh aal2 as creating one, once the user has an active factor', async () => {
      // The attacker knows the password: an aal1 session, and a pending TOTP factor made from it.
      const email = 'takeover@example.com';
      const attacker = await registerAndLogin(t, email);
      const pending = await t.post('/me/mfa/factors/totp', {}, attacker.accessToken);
      expect(pending.status).toBe(201);
      // The victim later enrols SMS from another session.
      const victim = await t.post('/auth/login', { email, password: PASSWORD });
      const phone = nextPhone();
      const enrol = await t.post('/me/mfa/factors/sms', { phone }, victim.body.accessToken);
      expect(enrol.status).toBe(201);
      const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.lastCode(phone) }, victim.body.accessToken);
      expect(activated.status).toBe(200);
      // The attacker's old session ended with the first factor; a new password login only reaches the mfaToken.
      expect((await t.get('/auth/me', attacker.accessToken)).status).toBe(401);
      // Even from a session that is still valid at aal1, the pending factor cannot be activated.
      const stillAal1 = victim.body.accessToken;
      const attempt = await t.post(`/me/mfa/factors/${pending.body.factorId}/activate`, { code: totpCode(pending.body.secret, t.clock.now()) }, stillAal1);
      expect(attempt.status).toBe(403);
      expect(attempt.body.code).toBe('STEP_UP_REQUIRED');
    });

    it('activating the first factor ends every other session of the user', async () => {
      const email = 'first-factor@example.com';
      const other = await registerAndLogin(t, email);
      const current = await t.post('/auth/login', { email, password: PASSWORD });
      const phone = nextPhone();
      const enrol = await t.post('/me/mfa/factors/sms', { phone }, current.body.accessToken);
      const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.lastCode(phone) }, current.body.accessToken);
      expect(activated.status).toBe(200);
      expect((await t.get('/auth/me', other.accessToken)).status).toBe(401);
      expect((await t.get('/auth/me', current.body.accessToken)).status).toBe(200);
    });

    it('a pending factor expires after 10 minutes', async () => {
      const login = await registerAndLogin(t, 'slow-enrol@example.com');
      const pending = await t.post('/me/mfa/factors/totp', {}, login.accessToken);
      expect(pending.status).toBe(201);
      t.clock.advance(601);
      const late = await t.post(`/me/mfa/factors/${pending.body.factorId}/activate`, { code: totpCode(pending.body.secret, t.clock.now()) }, login.accessToken);
      expect(late.status).toBe(404);
      expect(late.body.code).toBe('NOT_FOUND');
    });
  });

  describe('mfaTokens do not outlive revocation', () => {
    it('an admin revoking sessions also ends the open login attempts', async () => {
      const user = await userWithSms(t, 'revoked-login@example.com');
      const login = await t.post('/auth/login', { email: user.email, password: PASSWORD });
      expect(login.body.status).toBe('mfa_required');
      const admin = await adminAccessToken(t, 'revoker@example.com');
      expect((await t.post(`/admin/users/${user.userId}/sessions/revoke`, undefined, admin.accessToken)).status).toBe(204);
      const challenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, login.body.mfaToken);
      expect(challenge.status).toBe(401);
      expect(challenge.body.code).toBe('MFA_TOKEN_INVALID');
    });

    it('a step-up token stops working once its session is logged out', async () => {
      const user = await userWithSms(t, 'stepup-logout@example.com');
      const session = await aal2Session(t, user);
      const stepUp = await t.post('/auth/step-up', undefined, session.accessToken);
      expect(stepUp.status).toBe(200);
      expect((await t.post('/auth/logout', undefined, session.accessToken)).status).toBe(204);
      t.clock.advance(31);
      const challenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, stepUp.body.mfaToken);
      expect(challenge.status).toBe(401);
      expect(challenge.body.code).toBe('MFA_TOKEN_INVALID');
    });
  });

  describe('password guessing is limited per account, not only per address', () => {
    it('slows an account down after 5 failures, the same for an unknown address, and lets the right password in after the delay', async () => {
      const user = await userWithSms(t, 'guessed@example.com');
      const unknown = 'nobody-here@example.com';
      const attempt = (email: string, password: string, i: number) =>
        t.request('POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': `192.0.2.${i}` } });
      for (let i = 0; i < 5; i++) {
        expect((await attempt(user.email, `wrong password ${i}`, i)).body.code).toBe('INVALID_CREDENTIALS');
        expect((await attempt(unknown, `wrong password ${i}`, i)).body.code).toBe('INVALID_CREDENTIALS');
      }
      // From new addresses, so that per-IP throttling is not what answers.
      const known = await attempt(user.email, PASSWORD, 100);
      const nobody = await attempt(unknown, PASSWORD, 101);
      expect(known.status).toBe(429);
      expect(known.body.code).toBe('RATE_LIMITED');
      expect(nobody.status).toBe(429);
      expect(nobody.body).toEqual(known.body);
      expect(nobody.headers.get('retry-after')).toBe(known.headers.get('retry-after'));
      t.clock.advance(Number(known.headers.get('retry-after')));
      const after = await attempt(user.email, PASSWORD, 102);
      expect(after.status).toBe(200);
      expect(after.body.status).toBe('mfa_required');
      // The right password ended the run of failures: a later mistake is an ordinary one.
      expect((await attempt(user.email, 'one more mistake', 103)).body.code).toBe('INVALID_CREDENTIALS');
    });
  });

  describe('narrowing allowedFactors does not turn MFA off', () => {
    it('an SMS-only user still passes SMS after sms is removed from the policy, until an allowed factor is enrolled', async () => {
      const admin = await adminAccessToken(t, 'narrowing-admin@example.com');
      const user = await userWithSms(t, 'sms-only@example.com');
      const setPolicy = async (change: (p: any) => void) => {
        const current = (await t.get('/admin/mfa/policy', admin.accessToken)).body;
        const next = structuredClone(current);
        delete next.warnings;
        change(next);
        return t.request('PUT', '/admin/mfa/policy', { body: next, token: admin.accessToken });
      };
      try {
        for (const mode of ['optional', 'required']) {
          const put = await setPolicy((p) => {
            p.mode = mode;
            p.allowedFactors = ['totp', 'webauthn', 'recovery_code'];
          });
          expect(put.status).toBe(200);
          expect(put.body.warnings).toEqual([expect.objectContaining({ code: 'FACTOR_NO_LONGER_ALLOWED', factorType: 'sms', affectedUsers: expect.any(Number) })]);
          const login = await t.post('/auth/login', { email: user.email, password: PASSWORD });
          expect(login.body).toMatchObject({ status: 'mfa_required', notice: 'FACTOR_NO_LONGER_ALLOWED', allowedFactors: ['totp', 'webauthn'] });
          expect(login.body.factors.map((f: { type: string }) => f.type)).toEqual(['sms']);
          const challenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, login.body.mfaToken);
          expect(challenge.status).toBe(201);
          const verified = await t.post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: t.lastCode(user.phone) }, login.body.mfaToken);
          expect(verified.status).toBe(200);
          t.clock.advance(31);
        }
        // With an allowed factor enrolled, the disallowed one is refused.
        const session = await aal2Session(t, user);
        const totp = await t.post('/me/mfa/factors/totp', {}, session.accessToken);
        expect((await t.post(`/me/mfa/factors/${totp.body.factorId}/activate`, { code: totpCode(totp.body.secret, t.clock.now()) }, session.accessToken)).status).toBe(200);
        t.clock.advance(30);
        const login = await t.post('/auth/login', { email: user.email, password: PASSWORD });
        expect(login.body.factors.map((f: { type: string }) => f.type)).toEqual(['totp']);
        expect(login.body.notice).toBeUndefined();
        const refused = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, login.body.mfaToken);
        expect(refused.status).toBe(403);
        expect(refused.body.code).toBe('MFA_FACTOR_NOT_ALLOWED');
      } finally {
        await setPolicy((p) => {
          p.mode = 'optional';
          p.allowedFactors = ['sms', 'totp', 'webauthn', 'recovery_code'];
        });
      }
    });
  });

  describe('a code Sesame itself made stale costs no attempt', () => {
    it('after a code is reissued, the previous code is refused without using up an attempt', async () => {
      const user = await userWithSms(t, 'stale-code@example.com');
      const { mfaToken, challenge } = await loginToChallenge(t, user.email);
      const first = t.lastCode(user.phone);
      // What the outbox does after a restart: the lost code is replaced by a new one for the same challenge.
      const { SmsChallengeService } = await import('../../src/mfa/factors/sms/sms-challenge.service.js');
      const { Database } = await import('../../src/database/database.js');
      const service = t.app.get(SmsChallengeService) as unknown as { reissue(id: string, tx: unknown): Promise<string | null> };
      const fresh = await t.app.get(Database).transaction((tx) => service.reissue(challenge.challengeId, tx));
      expect(fresh).toMatch(/^\d{6}$/);
      if (fresh === first) return; // one chance in a million: the same digits again
      const stale = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: first }, mfaToken);
      expect(stale.status).toBe(401);
      expect(stale.body.code).toBe('MFA_INVALID_CODE');
      expect(stale.body.attemptsRemaining).toBe(5);
      const { rows } = await t.db.query('SELECT attempts FROM sms_challenges WHERE id = $1', [challenge.challengeId]);
      expect(rows[0].attempts).toBe(0);
      expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: fresh }, mfaToken)).status).toBe(200);
    });
  });
});
