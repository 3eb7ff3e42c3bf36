import { loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

describe('SMS resend', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends a different code, kills the old one, keeps the attempt count, and enforces the cooldown', async () => {
    const user = await userWithSms(t, 'resend@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const first = t.lastCode(user.phone);
    const wrong = first === '000000' ? '111111' : '000000';
    expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: wrong }, mfaToken)).body.attemptsRemaining).toBe(4);

    const early = await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken);
    expect(early.status).toBe(429);
    expect(early.body.code).toBe('RESEND_TOO_SOON');
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(early.headers.get('retry-after'))).toBeLessThanOrEqual(30);

    t.clock.advance(31);
    const resent = await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken);
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ challengeId: challenge.challengeId, attemptsRemaining: 4 });
    const second = t.lastCode(user.phone);
    expect(t.vonage.codesSentTo(user.phone).slice(-2)).toEqual([first, second]);

    // A second resend inside the cooldown is refused.
    const tooSoon = await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.code).toBe('RESEND_TOO_SOON');
    expect(tooSoon.headers.get('retry-after')).toBeTruthy();

    if (first !== second) {
      const old = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: first }, mfaToken);
      expect(old.status).toBe(401);
      expect(old.body).toMatchObject({ code: 'MFA_INVALID_CODE', attemptsRemaining: 3 });
    }
    const ok = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: second }, mfaToken);
    expect(ok.status).toBe(200);
  });

  it('stops after the resend cap', async () => {
    const user = await userWithSms(t, 'resend-cap@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(31);
      expect((await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken)).status).toBe(200);
    }
    t.clock.advance(31);
    const capped = await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken);
    expect(capped.status).toBe(429);
    expect(capped.body.code).toBe('RATE_LIMITED');
  });
});

describe('SMS isolation', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("user A's mfaToken can neither verify nor resend B's challenge", async () => {
    const a = await userWithSms(t, 'alice@example.com');
    const b = await userWithSms(t, 'bob@example.com');
    const aLogin = await loginToChallenge(t, a.email);
    const bLogin = await loginToChallenge(t, b.email);
    const bCode = t.lastCode(b.phone);

    const verify = await t.post('/auth/mfa/verify', { challengeId: bLogin.challenge.challengeId, code: bCode }, aLogin.mfaToken);
    expect(verify.status).toBe(404);
    t.clock.advance(31);
    const resend = await t.post(`/auth/mfa/challenges/${bLogin.challenge.challengeId}/resend`, undefined, aLogin.mfaToken);
    expect(resend.status).toBe(404);
    const challengeB = await t.post('/auth/mfa/challenges', { factorId: b.factorId }, aLogin.mfaToken);
    expect(challengeB.status).toBe(404);

    // B's challenge is untouched: no attempt counted, no code sent on A's behalf.
    const { rows } = await t.db.query('SELECT attempts, sends FROM sms_challenges WHERE id = $1', [bLogin.challenge.challengeId]);
    expect(rows[0]).toEqual({ attempts: 0, sends: 1 });
    expect((await t.post('/auth/mfa/verify', { challengeId: bLogin.challenge.challengeId, code: bCode }, bLogin.mfaToken)).status).toBe(200);
  });

  it('a challenge belongs to one login attempt: a second login of the same user cannot use it', async () => {
    const user = await userWithSms(t, 'two-tabs@example.com');
    const first = await loginToChallenge(t, user.email);
    const code = t.lastCode(user.phone);
    const secondLogin = await t.post('/auth/login', { email: user.email, password: 'correct horse battery' });
    const res = await t.post('/auth/mfa/verify', { challengeId: first.challenge.challengeId, code }, secondLogin.body.mfaToken);
    expect(res.status).toBe(404);
  });

  it('no request field can redirect a code: phone in challenge or verify bodies is refused, resend ignores a body', async () => {
    const user = await userWithSms(t, 'redirect@example.com');
    const attacker = nextPhone();
    const login = await t.post('/auth/login', { email: user.email, password: 'correct horse battery' });
    const withPhone = await t.post('/auth/mfa/challenges', { factorId: user.factorId, phone: attacker }, login.body.mfaToken);
    expect(withPhone.status).toBe(400);
    expect(withPhone.body.errors).toEqual([{ field: 'phone', message: 'is not allowed' }]);

    const challenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, login.body.mfaToken);
    t.clock.advance(31);
    const resend = await t.request('POST', `/auth/mfa/challenges/${challenge.body.challengeId}/resend`, {
      body: { phone: attacker, to: attacker },
      token: login.body.mfaToken,
    });
    expect(resend.status).toBe(200);
    const verify = await t.post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: '000000', phone: attacker }, login.body.mfaToken);
    expect(verify.status).toBe(400);

    expect(t.vonage.codesSentTo(attacker)).toEqual([]);
    const destinations = new Set(t.vonage.messages.map((m) => m.to));
    expect(destinations.has(attacker.slice(1))).toBe(false);
  });

  it('refuses numbers that are not mobiles, and invalid ones', async () => {
    const reg = await t.post('/auth/register', { email: 'landline@example.com', password: 'correct horse battery' });
    expect(reg.status).toBe(201);
    const login = await t.post('/auth/login', { email: 'landline@example.com', password: 'correct horse battery' });
    for (const phone of ['+442071838750', '+448001111111', 'not a number', '+1']) {
      const res = await t.post('/me/mfa/factors/sms', { phone }, login.body.accessToken);
      expect({ phone, status: res.status, code: res.body.code, field: res.body.errors?.[0]?.field }).toEqual({
        phone,
        status: 400,
        code: 'VALIDATION_FAILED',
        field: 'phone',
      });
    }
  });
});
