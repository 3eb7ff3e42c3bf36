import { createHash } from 'node:crypto';
import { PasswordHasher } from '../../src/users/password-hasher.js';
import { adminAccessToken } from '../support/admin-session.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery';
const SEEDED = 1000;

/**
 * The dry run and the effective policy against 1,000 seeded users: the counts
 * must be what the next logins do, and the dry run must store nothing.
 */
describe('MFA policy dry run and effective policy', () => {
  let t: TestApp;
  let adminToken: string;
  let base: Record<string, any>;

  const candidate = () => ({
    ...base,
    mode: 'optional',
    requiredRoles: [],
    allowedFactors: ['sms', 'totp', 'webauthn', 'recovery_code'],
    rules: [
      { name: 'admins', match: { roles: ['admin'] }, mode: 'required', allowedFactors: ['webauthn', 'totp'], stepUpMaxAgeSeconds: 300 },
      { name: 'finance', match: { groups: ['finance'] }, mode: 'required', allowedFactors: ['sms', 'totp', 'recovery_code'], minFactors: 2, stepUpMaxAgeSeconds: 600 },
    ],
  });

  beforeAll(async () => {
    t = await startTestApp();
    adminToken = (await adminAccessToken(t, 'dry-run-admin@example.com')).accessToken;
    const { version: _version, ...document } = (await t.get('/admin/mfa/policy', adminToken)).body;
    base = document;
    // Seeded in SQL: a thousand registrations would spend their time hashing passwords, not testing the policy.
    const passwordHash = await t.app.get(PasswordHasher).hash(PASSWORD);
    await t.db.query(
      `INSERT INTO users (id, email, password_hash, roles, groups)
       SELECT gen_random_uuid(), 'seed-' || i || '@example.com', $1,
              CASE WHEN i % 10 = 1 THEN '{admin}'::text[] ELSE '{}' END,
              CASE WHEN i % 7 = 0 THEN '{finance}'::text[] WHEN i % 13 = 0 THEN '{ops}'::text[] ELSE '{}' END
         FROM generate_series(1, $2::int) AS i`,
      [passwordHash, SEEDED],
    );
    // Factors by residue, so every combination of role, group and factor set occurs.
    await t.db.query(
      `INSERT INTO mfa_factors (id, user_id, type, status, label, created_at, activated_at)
       SELECT gen_random_uuid(), u.id, f.type, 'active', f.type, now(), now()
         FROM (SELECT id, substring(email from 'seed-(\\d+)@')::int AS i FROM users WHERE email LIKE 'seed-%') u
         JOIN LATERAL (VALUES ('sms', u.i % 3 = 0), ('totp', u.i % 5 = 0), ('recovery_code', u.i % 4 = 0)) AS f(type, has) ON f.has`,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  /** Every row of the tables a dry run could touch, as one digest. */
  async function storedState(): Promise<string> {
    const parts: string[] = [];
    for (const table of ['users', 'mfa_factors', 'mfa_policy_versions', 'sessions', 'login_attempts', 'audit_events']) {
      const { rows } = await t.db.query(`SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') AS s FROM ${table} t`);
      parts.push(rows[0].s);
    }
    return createHash('sha256').update(parts.join('#')).digest('hex');
  }

  it('gives per-rule counts that match what the next logins do, and changes no stored row', async () => {
    const before = await storedState();
    const res = await t.post('/admin/mfa/policy/dry-run', candidate(), adminToken);
    expect(res.status).toBe(200);
    expect(await storedState()).toBe(before);
    const report = res.body;
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM users`);
    expect(report.users).toBe(rows[0].n);
    expect(report.rules.map((r: { name: string; index: number | null }) => [r.index, r.name])).toEqual([
      [0, 'admins'],
      [1, 'finance'],
      [null, 'default'],
    ]);
    expect(report.rules.reduce((n: number, r: { matched: number }) => n + r.matched, 0)).toBe(report.users);

    const put = await t.request('PUT', '/admin/mfa/policy', { body: candidate(), token: adminToken });
    expect(put.status).toBe(200);

    // Every user's next login, counted the way the report counts.
    const { rows: users } = await t.db.query(`SELECT id, email FROM users ORDER BY id`);
    const outcomes = { authenticated: 0, mfa_required: 0, mfa_enrollment_required: 0 } as Record<string, number>;
    const notices: Record<string, string[]> = { FACTOR_NO_LONGER_ALLOWED: [], MORE_FACTORS_REQUIRED: [] };
    const enrol: string[] = [];
    const statusOf = new Map<string, string>();
    for (let i = 0; i < users.length; i += 8) {
      await Promise.all(
        users.slice(i, i + 8).map(async (u: { id: string; email: string }) => {
          const login = await t.post('/auth/login', { email: u.email, password: PASSWORD });
          expect(login.status).toBe(200);
          outcomes[login.body.status]++;
          statusOf.set(u.id, login.body.status);
          if (login.body.status === 'mfa_enrollment_required') enrol.push(u.id);
          if (login.body.notice) notices[login.body.notice].push(u.id);
        }),
      );
    }
    expect(report.outcomes).toEqual(outcomes);
    expect(report.forcedToEnrol.count).toBe(enrol.length);
    expect(report.lockedOut.count).toBe(notices.FACTOR_NO_LONGER_ALLOWED.length);
    expect(report.moreFactorsRequired.count).toBe(notices.MORE_FACTORS_REQUIRED.length);
    expect(report.forcedToEnrol.sampleUserIds).toEqual(enrol.sort().slice(0, 10));
    expect(report.lockedOut.sampleUserIds).toEqual(notices.FACTOR_NO_LONGER_ALLOWED.sort().slice(0, 10));
    // The policy makes each kind of case occur, so none of the equalities above holds trivially.
    for (const group of [report.forcedToEnrol, report.lockedOut, report.moreFactorsRequired, report.shorterStepUp]) expect(group.count).toBeGreaterThan(0);
    // Admins (about 100) and finance members get a shorter window than the default 900 s.
    const { rows: shorter } = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles) OR 'finance' = ANY(groups)`);
    expect(report.shorterStepUp.count).toBe(shorter[0].n);

    // The effective policy of the sampled users says what their login just did, and which rule.
    for (const id of [...report.forcedToEnrol.sampleUserIds.slice(0, 3), ...report.lockedOut.sampleUserIds.slice(0, 3)]) {
      const effective = await t.get(`/admin/users/${id}/mfa/effective-policy`, adminToken);
      expect(effective.status).toBe(200);
      expect(effective.body.nextLogin.status).toBe(statusOf.get(id));
    }
  }, 180_000);

  it('a second dry run of the policy now in force reports nothing newly affected', async () => {
    const res = await t.post('/admin/mfa/policy/dry-run', candidate(), adminToken);
    expect(res.status).toBe(200);
    expect(res.body.forcedToEnrol.newly).toBe(0);
    expect(res.body.lockedOut.newly).toBe(0);
    expect(res.body.shorterStepUp.count).toBe(0);
  });

  it('the effective policy names the matched rule and what the next login asks', async () => {
    const { rows } = await t.db.query(
      `SELECT u.id FROM users u WHERE 'admin' = ANY(u.roles)
          AND EXISTS (SELECT 1 FROM mfa_factors f WHERE f.user_id = u.id AND f.type = 'sms')
          AND NOT EXISTS (SELECT 1 FROM mfa_factors f WHERE f.user_id = u.id AND f.type = 'totp') LIMIT 1`,
    );
    const res = await t.get(`/admin/users/${rows[0].id}/mfa/effective-policy`, adminToken);
    expect(res.body).toEqual({
      userId: rows[0].id,
      policyVersion: expect.any(Number),
      rule: { index: 0, name: 'admins' },
      mode: 'required',
      mfaRequired: true,
      allowedFactors: ['webauthn', 'totp'],
      minFactors: 1,
      stepUpMaxAgeSeconds: 300,
      nextLogin: { status: 'mfa_required', factorTypes: ['sms'], notice: 'FACTOR_NO_LONGER_ALLOWED', allowedFactors: ['webauthn', 'totp'] },
    });
    const missing = await t.get('/admin/users/00000000-0000-4000-8000-000000000000/mfa/effective-policy', adminToken);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const bad = await t.get('/admin/users/not-a-uuid/mfa/effective-policy', adminToken);
    expect(bad.status).toBe(404);
  });

  it('refuses an invalid candidate like PUT does, and needs an aal2 admin', async () => {
    const invalid = await t.post('/admin/mfa/policy/dry-run', { ...candidate(), rules: [{ name: 'x' }] }, adminToken);
    expect({ status: invalid.status, code: invalid.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const weak = await adminAccessToken(t, 'dry-run-admin@example.com', { aal: 1 });
    const refused = await t.post('/admin/mfa/policy/dry-run', candidate(), weak.accessToken);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
  });
});
