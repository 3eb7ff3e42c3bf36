import { decodeJwt } from 'jose';
import { routeInventory } from '../support/route-inventory.js';
import { loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

describe('SMS second factor: enrol, log in, verify', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('enrol → activate → log out → login asks for the factor → code by SMS → aal2 with pwd+sms', async () => {
    const phone = nextPhone();
    const login = await t.post('/auth/register', { email: 'ada@example.com', password: 'correct horse battery' }).then(() =>
      t.post('/auth/login', { email: 'ada@example.com', password: 'correct horse battery' }),
    );
    expect(login.body.status).toBe('authenticated');

    const enrol = await t.post('/me/mfa/factors/sms', { phone }, login.body.accessToken);
    expect(enrol.status).toBe(201);
    expect(enrol.body).toMatchObject({ factorId: expect.any(String), challengeId: expect.any(String), destination: '+44 •••• ••• ' + phone.slice(-3), status: 'pending' });
    expect(t.vonage.messages).toHaveLength(1);

    const pending = await t.get('/me/mfa/factors', login.body.accessToken);
    expect(pending.body).toEqual([expect.objectContaining({ id: enrol.body.factorId, type: 'sms', status: 'pending' })]);

    const activated = await t.post(
      `/me/mfa/factors/${enrol.body.factorId}/activate`,
      { challengeId: enrol.body.challengeId, code: t.lastCode(phone) },
      login.body.accessToken,
    );
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ id: enrol.body.factorId, type: 'sms', status: 'active' });

    expect((await t.post('/auth/logout', undefined, login.body.accessToken)).status).toBe(204);

    const second = await t.post('/auth/login', { email: 'ada@example.com', password: 'correct horse battery' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      status: 'mfa_required',
      expiresIn: 300,
      factors: [{ id: enrol.body.factorId, type: 'sms', label: `+44 •••• ••• ${phone.slice(-3)}` }],
    });
    expect(second.body.accessToken).toBeUndefined();

    const challenge = await t.post('/auth/mfa/challenges', { factorId: enrol.body.factorId }, second.body.mfaToken);
    expect(challenge.status).toBe(201);
    expect(challenge.body).toMatchObject({
      challengeId: expect.any(String),
      factorId: enrol.body.factorId,
      type: 'sms',
      destination: `+44 •••• ••• ${phone.slice(-3)}`,
      attemptsRemaining: 5,
    });
    expect(Date.parse(challenge.body.expiresAt) - Date.parse(challenge.body.resendAvailableAt)).toBe(270_000);

    const sms = t.vonage.lastMessageTo(phone)!;
    expect(sms.to).toBe(phone.slice(1));
    expect(sms.text.split('\n').at(-1)).toBe(`@auth.example.com #${t.lastCode(phone)}`);

    const verified = await t.post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: t.lastCode(phone) }, second.body.mfaToken);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ status: 'authenticated', tokenType: 'Bearer', expiresIn: 900 });
    expect(decodeJwt(verified.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms'] });

    const me = await t.get('/auth/me', verified.body.accessToken);
    expect(me.body).toMatchObject({ aal: 'aal2', amr: expect.arrayContaining(['pwd', 'sms']) });

    // The refreshed token keeps the session's assurance.
    const refreshed = await t.post('/auth/refresh', { refreshToken: verified.body.refreshToken });
    expect(decodeJwt(refreshed.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms'] });

    // The mfaToken was consumed by the upgrade.
    const again = await t.post('/auth/mfa/challenges', { factorId: enrol.body.factorId }, second.body.mfaToken);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('MFA_TOKEN_INVALID');
  });

  it('every route that takes an access token refuses an mfaToken, and every mfaToken route refuses an access token', async () => {
    const user = await userWithSms(t, 'crossing@example.com');
    const { mfaToken } = await loginToChallenge(t, user.email);
    const routes = routeInventory(t.app);
    const path = (p: string) => p.replace(/:\w+/g, '00000000-0000-0000-0000-000000000000');

    // GET /me/mfa/help says so: it answers the mfaToken of a sign-in in progress too (api.md).
    const accessRoutes = routes.filter((r) => r.requirement?.kind === 'access' && !r.requirement.mfaPurposes.includes('login'));
    expect(routes.filter((r) => r.requirement?.kind === 'access' && r.requirement.mfaPurposes.includes('login')).map((r) => r.path)).toEqual(['/me/mfa/help']);
    expect(accessRoutes.length).toBeGreaterThan(15);
    for (const route of accessRoutes) {
      const res = await t.request(route.method, path(route.path), { token: mfaToken, body: route.method === 'GET' ? undefined : {} });
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 });
    }

    const mfaRoutes = routes.filter((r) => r.requirement?.kind === 'mfa');
    expect(mfaRoutes.map((r) => r.path).sort()).toEqual(['/auth/mfa/challenges', '/auth/mfa/challenges/:id', '/auth/mfa/challenges/:id/resend', '/auth/mfa/verify']);
    for (const route of mfaRoutes) {
      const res = await t.request(route.method, path(route.path), { token: user.accessToken, body: route.method === 'GET' ? undefined : {} });
      expect({ route: route.path, status: res.status, code: res.body.code }).toEqual({ route: route.path, status: 401, code: 'MFA_TOKEN_INVALID' });
    }
  });

  it('the mfaToken expires after 5 minutes', async () => {
    const user = await userWithSms(t, 'expiring-token@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    t.clock.advance(301);
    try {
      const res = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('MFA_TOKEN_INVALID');
    } finally {
      t.clock.advance(-301);
    }
  });

  it('records the whole story in the audit log with masked destinations', async () => {
    const user = await userWithSms(t, 'audited@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: '000000' }, mfaToken);
    await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    const { rows } = await t.db.query('SELECT type, metadata FROM audit_events WHERE user_id = $1 ORDER BY id', [user.userId]);
    const types = rows.map((r) => r.type);
    expect(types).toEqual(
      expect.arrayContaining(['mfa.factor.enrolled', 'mfa.code.sent', 'mfa.factor.activated', 'mfa.code.failed', 'mfa.code.verified', 'login.succeeded']),
    );
    const sent = rows.find((r) => r.type === 'mfa.code.sent');
    expect(sent.metadata).toMatchObject({ destination: `+44 •••• ••• ${user.phone.slice(-3)}`, country: 'GB', provider: 'vonage' });
    expect(JSON.stringify(rows)).not.toContain(user.phone.slice(1));
  });
});

describe('SMS codes under attack', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a wrong code counts down attemptsRemaining; after the cap even the right code is refused', async () => {
    const user = await userWithSms(t, 'guesser@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const right = t.lastCode(user.phone);
    const wrong = right === '000000' ? '111111' : '000000';
    for (const remaining of [4, 3, 2, 1, 0]) {
      const res = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: wrong }, mfaToken);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'MFA_INVALID_CODE', attemptsRemaining: remaining });
    }
    const locked = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: right }, mfaToken);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('MFA_CHALLENGE_LOCKED');
    const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = 'mfa.challenge.locked'`, [user.userId]);
    expect(audit.rows[0].n).toBe(1);
  });

  it('replaying a used code answers MFA_CHALLENGE_USED', async () => {
    const user = await userWithSms(t, 'replay@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const code = t.lastCode(user.phone);
    expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code }, mfaToken)).status).toBe(200);
    const replay = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code }, mfaToken);
    expect(replay.status).toBe(410);
    expect(replay.body.code).toBe('MFA_CHALLENGE_USED');
  });

  it('of 20 parallel verifies with the right code exactly one succeeds', async () => {
    const user = await userWithSms(t, 'race@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const code = t.lastCode(user.phone);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code }, mfaToken)),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status >= 500)).toHaveLength(0);
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND aal = 'aal2'`, [user.userId]);
    expect(rows[0].n).toBe(1);
  });

  it('50 parallel wrong guesses against a cap of 5 evaluate at most 5, and the right code is then refused', async () => {
    const user = await userWithSms(t, 'flood@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const right = t.lastCode(user.phone);
    const wrong = right === '999999' ? '888888' : '999999';
    const results = await Promise.all(
      Array.from({ length: 50 }, () => t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: wrong }, mfaToken)),
    );
    expect(results.filter((r) => r.body.code === 'MFA_INVALID_CODE')).toHaveLength(5);
    expect(results.filter((r) => r.body.code === 'MFA_CHALLENGE_LOCKED')).toHaveLength(45);
    const { rows } = await t.db.query('SELECT attempts FROM sms_challenges WHERE id = $1', [challenge.challengeId]);
    expect(rows[0].attempts).toBe(5);
    const late = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: right }, mfaToken);
    expect(late.body.code).toBe('MFA_CHALLENGE_LOCKED');
  });

  it('the right code ends the account\'s run of failures; a wrong one leaves it', async () => {
    const user = await userWithSms(t, 'forgetful@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const right = t.lastCode(user.phone);
    const wrong = right === '999999' ? '888888' : '999999';
    expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: wrong }, mfaToken)).body.code).toBe('MFA_INVALID_CODE');
    const failures = async () =>
      (await t.db.query('SELECT failures FROM mfa_attempt_budgets WHERE user_id = $1', [user.userId])).rows.map((r) => r.failures as number);
    expect(await failures()).toEqual([1]);
    expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: right }, mfaToken)).status).toBe(200);
    expect(await failures()).toEqual([]);
  });

  it('new challenges do not buy new guesses: the account slows down, then stops at 100 failures an hour', async () => {
    const user = await userWithSms(t, 'patient@example.com');
    // Ten failures already this hour: the next guess must wait.
    await t.db.query(`INSERT INTO mfa_attempt_budgets (user_id, failures, window_started_at, last_failure_at) VALUES ($1, 10, now(), now())`, [
      user.userId,
    ]);
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const slowed = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: '123456' }, mfaToken);
    expect(slowed.status).toBe(429);
    expect(slowed.body.code).toBe('RATE_LIMITED');
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);

    // Ninety more, the first of them ten minutes ago.
    await t.db.query(`UPDATE mfa_attempt_budgets SET failures = failures + 90, window_started_at = now() - interval '10 minutes' WHERE user_id = $1`, [
      user.userId,
    ]);
    // At 100 failures in the hour the account is stopped outright, even for the right code.
    const stopped = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    expect(stopped.status).toBe(429);
    expect(stopped.body.code).toBe('RATE_LIMITED');
    expect(Number(stopped.headers.get('retry-after'))).toBeGreaterThan(2000);
    const { rows } = await t.db.query('SELECT attempts FROM sms_challenges WHERE id = $1', [challenge.challengeId]);
    expect(rows[0].attempts).toBe(0); // refused before any comparison
  });
});
