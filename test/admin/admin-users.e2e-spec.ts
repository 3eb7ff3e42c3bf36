import { decodeJwt } from 'jose';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { TokenService } from '../../src/tokens/token.service.js';
import { loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

const ADMIN = { email: 'root@example.com', password: 'bootstrap admin password' };

/** The bootstrap admin's first login: enrol an SMS factor with the enrolment token, come out aal2. */
async function bootstrapAdminLogin(t: SmsTestApp) {
  const login = await t.post('/auth/login', ADMIN);
  expect(login.body.status).toBe('mfa_enrollment_required');
  const phone = nextPhone();
  const enrol = await t.post('/me/mfa/factors/sms', { phone }, login.body.mfaToken);
  expect(enrol.status).toBe(201);
  const done = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.lastCode(phone) }, login.body.mfaToken);
  expect(done.status).toBe(200);
  return { accessToken: done.body.accessToken as string, refreshToken: done.body.refreshToken as string, phone, factorId: enrol.body.factorId as string };
}

describe('administration of users', () => {
  let t: SmsTestApp;
  let admin: { accessToken: string; refreshToken: string; phone: string; factorId: string };
  beforeAll(async () => {
    t = await startSmsTestApp({ env: { BOOTSTRAP_ADMIN_EMAIL: ADMIN.email, BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password } });
    admin = await bootstrapAdminLogin(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('the bootstrap admin exists once, with the admin role, and reaches admin routes only at aal2', async () => {
    expect(decodeJwt(admin.accessToken)).toMatchObject({ aal: 'aal2', roles: ['admin'], amr: ['pwd', 'sms'] });
    const { rows } = await t.db.query(`SELECT email, roles FROM users WHERE 'admin' = ANY(roles)`);
    expect(rows).toEqual([{ email: ADMIN.email, roles: ['admin'] }]);
    expect((await t.get('/admin/users', admin.accessToken)).status).toBe(200);

    // The policy is readable and writable with this session.
    const policy = await t.get('/admin/mfa/policy', admin.accessToken);
    expect(policy.status).toBe(200);
    const written = await t.request('PUT', '/admin/mfa/policy', { body: { ...policy.body, mode: 'optional' }, token: admin.accessToken });
    expect(written.status).toBe(200);
    expect(written.body.version).toBe(policy.body.version + 1);

    // The same admin with a password-only (aal1) session is told to step up.
    const [{ id }] = rows.length ? (await t.db.query(`SELECT id FROM users WHERE email = $1`, [ADMIN.email])).rows : [];
    const { session } = await t.app.get(SessionsService).create({ userId: id, amr: ['pwd'], authTime: t.clock.now(), meta: null });
    const aal1 = await t.app.get(TokenService).signAccess({ sub: id, sid: session.id, aal: 'aal1', amr: ['pwd'], authTime: session.authTime, roles: ['admin'] });
    const refused = await t.get('/admin/users', aal1);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('STEP_UP_REQUIRED');
  });

  it('a user without the role gets 403 FORBIDDEN, even at aal2', async () => {
    const user = await userWithSms(t, 'plain@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const full = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    for (const path of ['/admin/users', `/admin/users/${user.userId}`]) {
      const res = await t.get(path, full.body.accessToken);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
    }
    expect((await t.post(`/admin/users/${user.userId}/mfa/reset`, undefined, full.body.accessToken)).status).toBe(403);
  });

  it('searches users by email with a cursor', async () => {
    for (const name of ['zed1', 'zed2', 'zed3']) await t.post('/auth/register', { email: `${name}@search.example`, password: 'correct horse battery' });
    const first = await t.get('/admin/users?email=SEARCH.example&limit=2', admin.accessToken);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const second = await t.get(`/admin/users?email=search.example&limit=2&cursor=${first.body.nextCursor}`, admin.accessToken);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const emails = [...first.body.items, ...second.body.items].map((u: { email: string }) => u.email).sort();
    expect(emails).toEqual(['zed1@search.example', 'zed2@search.example', 'zed3@search.example']);
    expect((await t.get('/admin/users?cursor=garbage', admin.accessToken)).body.code).toBe('VALIDATION_FAILED');
    expect((await t.get('/admin/users?email=%25', admin.accessToken)).body.items).toEqual([]);
  });

  it('shows a user with masked factors, lock state and sessions — never a full number', async () => {
    const user = await userWithSms(t, 'detailed@example.com');
    const res = await t.get(`/admin/users/${user.userId}`, admin.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: user.userId,
      email: 'detailed@example.com',
      factors: [{ id: user.factorId, type: 'sms', status: 'active', label: `+44 •••• ••• ${user.phone.slice(-3)}` }],
      lock: { locked: false, failedAttemptsLastHour: 0 },
      sessions: [expect.objectContaining({ aal: 'aal1', amr: ['pwd'] })],
    });
    expect(res.text).not.toContain(user.phone.slice(1));
    expect((await t.get('/admin/users/00000000-0000-0000-0000-000000000000', admin.accessToken)).status).toBe(404);
  });

  it('resets a user’s MFA: factors gone, refresh tokens dead, phone told, audit names the admin', async () => {
    const user = await userWithSms(t, 'lost-phone@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const session = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    const before = t.vonage.messages.filter((m) => m.to === user.phone.slice(1)).length;

    const res = await t.post(`/admin/users/${user.userId}/mfa/reset`, undefined, admin.accessToken);
    expect(res.status).toBe(204);

    expect((await t.db.query('SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = $1', [user.userId])).rows[0].n).toBe(0);
    expect((await t.post('/auth/refresh', { refreshToken: session.body.refreshToken })).status).toBe(401);
    expect((await t.get('/auth/me', session.body.accessToken)).status).toBe(401);
    const toPhone = t.vonage.messages.filter((m) => m.to === user.phone.slice(1));
    expect(toPhone).toHaveLength(before + 1);
    const adminId = decodeJwt(admin.accessToken).sub;
    const audit = await t.db.query(`SELECT actor_id, metadata FROM audit_events WHERE type = 'admin.mfa.reset' AND user_id = $1`, [user.userId]);
    expect(audit.rows).toEqual([{ actor_id: adminId, metadata: { factorsRemoved: 1, noticesSent: 1 } }]);

    // With no factor left the user logs in with a password again (optional policy).
    expect((await t.post('/auth/login', { email: user.email, password: 'correct horse battery' })).body.status).toBe('authenticated');
  });

  it('removes one factor of a user, and unlocks a user locked by the account limit', async () => {
    const user = await userWithSms(t, 'locked@example.com');
    await t.db.query(`INSERT INTO mfa_attempt_budgets (user_id, failures, window_started_at, last_failure_at) VALUES ($1, 100, now(), now())`, [user.userId]);
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const code = t.lastCode(user.phone);
    expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code }, mfaToken)).status).toBe(429);
    expect((await t.get(`/admin/users/${user.userId}`, admin.accessToken)).body.lock).toMatchObject({ locked: true, failedAttemptsLastHour: 100 });

    expect((await t.post(`/admin/users/${user.userId}/unlock`, undefined, admin.accessToken)).status).toBe(204);
    expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code }, mfaToken)).status).toBe(200);

    const removed = await t.request('DELETE', `/admin/users/${user.userId}/mfa/factors/${user.factorId}`, { token: admin.accessToken });
    expect(removed.status).toBe(204);
    const types = (await t.db.query(`SELECT type, actor_id FROM audit_events WHERE user_id = $1 AND type LIKE 'admin.%' ORDER BY id`, [user.userId])).rows;
    expect(types.map((r) => r.type)).toEqual(['admin.user.unlocked', 'admin.factor.removed']);
    expect(new Set(types.map((r) => r.actor_id))).toEqual(new Set([decodeJwt(admin.accessToken).sub]));
  });

  it('admin changes need a recent second factor; reading does not', async () => {
    const user = await userWithSms(t, 'stale-admin-target@example.com');
    t.clock.advance(901);
    try {
      // A refreshed token keeps the session's auth_time, which is now older than the step-up window.
      const refreshed = await t.post('/auth/refresh', { refreshToken: admin.refreshToken });
      expect(refreshed.status).toBe(200);
      admin.refreshToken = refreshed.body.refreshToken;
      const change = await t.post(`/admin/users/${user.userId}/unlock`, undefined, refreshed.body.accessToken);
      expect(change.status).toBe(403);
      expect(change.body.code).toBe('STEP_UP_REQUIRED');
      expect((await t.get(`/admin/users/${user.userId}`, refreshed.body.accessToken)).status).toBe(200);
    } finally {
      t.clock.advance(-901);
    }
  });
});
