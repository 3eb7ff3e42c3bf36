import { EnrollmentGraceService } from '../../src/mfa/enrollment-grace.service.js';
import { adminAccessToken } from '../support/admin-session.js';
import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';

const PASSWORD = 'correct horse battery';
const DAY = 86_400;

/** Enrolment grace periods: days or logins of password-only sign-in before enrolment is enforced, and the deadline notice. */
describe('MFA enrolment grace period', () => {
  let t: EmailTestApp;
  let base: Record<string, any>;
  let advanced = 0;

  beforeAll(async () => {
    t = await startEmailTestApp();
    const admin = await adminAccessToken(t, 'grace-admin@example.com');
    const { version: _version, ...document } = (await t.get('/admin/mfa/policy', admin.accessToken)).body;
    base = document;
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => {
    t.clock.advance(-advanced);
    advanced = 0;
  });

  const advanceDays = (n: number) => {
    t.clock.advance(n * DAY);
    advanced += n * DAY;
  };
  async function adminToken() {
    return (await adminAccessToken(t, 'grace-admin@example.com')).accessToken;
  }
  async function setGrace(grace: Record<string, number>) {
    const rule = { name: 'staff', match: { groups: ['staff'] }, mode: 'required', allowedFactors: ['sms', 'totp', 'webauthn'], stepUpMaxAgeSeconds: 900, enrollmentGrace: grace };
    const res = await t.request('PUT', '/admin/mfa/policy', { body: { ...base, rules: [rule] }, token: await adminToken() });
    expect(res.status).toBe(200);
  }
  async function staffUser(email: string) {
    const reg = await t.post('/auth/register', { email, password: PASSWORD });
    await t.db.query(`UPDATE users SET groups = '{staff}' WHERE id = $1`, [reg.body.id]);
    return reg.body.id as string;
  }
  const login = (email: string) => t.post('/auth/login', { email, password: PASSWORD });
  const notices = async (userId: string) =>
    (await t.db.query(`SELECT metadata FROM audit_events WHERE user_id = $1 AND type = 'mfa.enrollment.deadline_notice'`, [userId])).rows;

  it('7 days: logins on days 0–6 are authenticated with mfaEnrollmentDueAt, day 7 must enrol; the notice goes out on day 5, once', async () => {
    await setGrace({ days: 7 });
    const userId = await staffUser('grace-days@example.com');
    const start = t.clock.now().getTime();
    const job = t.app.get(EnrollmentGraceService);
    const noticeDays: number[] = [];
    let due = '';
    for (let day = 0; day < 7; day++) {
      const res = await login('grace-days@example.com');
      if (day === 0) {
        due = res.body.mfaEnrollmentDueAt;
        // Seven days from this first login (the injected clock moves on by the milliseconds the requests take).
        expect(Date.parse(due) - start - 7 * DAY * 1000).toBeGreaterThanOrEqual(0);
        expect(Date.parse(due) - start - 7 * DAY * 1000).toBeLessThan(60_000);
      }
      expect({ day, status: res.body.status, due: res.body.mfaEnrollmentDueAt }).toEqual({ day, status: 'authenticated', due });
      expect(res.body.accessToken).toEqual(expect.any(String));
      if ((await job.sendDueNotices()) > 0) noticeDays.push(day);
      advanceDays(1);
    }
    expect(noticeDays).toEqual([5]);
    expect(await notices(userId)).toEqual([{ metadata: { dueAt: due, channel: 'email' } }]);
    // The notice reaches the mailbox, over SMTP, once: two days before the deadline.
    await t.deliverMail();
    const mails = t.smtp.messages.filter((m) => m.to.includes('grace-days@example.com') && m.text.includes('two-step verification in'));
    expect(mails.map((m) => m.text.split('\n')[0])).toEqual([
      'Your account will need two-step verification in 2 days. Sign in and set up a second factor before then to keep access.',
    ]);
    const day7 = await login('grace-days@example.com');
    expect(day7.body).toMatchObject({ status: 'mfa_enrollment_required', allowedFactors: ['sms', 'totp', 'webauthn'] });
    expect(day7.body.accessToken).toBeUndefined();
    expect(await job.sendDueNotices()).toBe(0);
    expect(await notices(userId)).toHaveLength(1);
  });

  it('3 logins: the first three are let in with the logins left, the fourth must enrol', async () => {
    await setGrace({ logins: 3 });
    await staffUser('grace-logins@example.com');
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const res = await login('grace-logins@example.com');
      answers.push([res.body.status, res.body.mfaEnrollmentLoginsRemaining]);
    }
    expect(answers).toEqual([
      ['authenticated', 2],
      ['authenticated', 1],
      ['authenticated', 0],
      ['mfa_enrollment_required', undefined],
    ]);
  });

  it('concurrent logins cannot share the last login of the grace period', async () => {
    await setGrace({ logins: 2 });
    await staffUser('grace-burst@example.com');
    // Five at once: the per-account password budget (NIST §5.2.2) reserves that many before answering 429.
    const results = await Promise.all(Array.from({ length: 5 }, () => login('grace-burst@example.com')));
    const statuses = results.map((r) => r.body.status ?? `${r.status} ${r.body.code}`);
    expect(statuses.sort()).toEqual([...Array(2).fill('authenticated'), ...Array(3).fill('mfa_enrollment_required')]);
  });

  it('the effective policy and the dry run see the grace period as login does', async () => {
    await setGrace({ days: 7 });
    const userId = await staffUser('grace-preview@example.com');
    const token = await adminToken();
    const due = (await login('grace-preview@example.com')).body.mfaEnrollmentDueAt;
    expect(due).toEqual(expect.any(String));
    const effective = await t.get(`/admin/users/${userId}/mfa/effective-policy`, token);
    expect(effective.body.nextLogin).toEqual({ status: 'authenticated', mfaEnrollmentDueAt: due });
    expect((await login('grace-preview@example.com')).body.mfaEnrollmentDueAt).toBe(due);
    const { version: _v, ...document } = (await t.get('/admin/mfa/policy', token)).body;
    const report = (await t.post('/admin/mfa/policy/dry-run', document, token)).body;
    expect(report.inEnrollmentGrace.count).toBeGreaterThan(0);
    expect(report.inEnrollmentGrace.newly).toBe(0);
  });

  it('a user outside the rule gets no grace answer and no grace row', async () => {
    await setGrace({ days: 7 });
    const reg = await t.post('/auth/register', { email: 'grace-outside@example.com', password: PASSWORD });
    const res = await login('grace-outside@example.com');
    expect(res.body.status).toBe('authenticated');
    expect(res.body.mfaEnrollmentDueAt).toBeUndefined();
    expect((await t.db.query(`SELECT 1 FROM mfa_enrollment_grace WHERE user_id = $1`, [reg.body.id])).rows).toHaveLength(0);
  });

  it('refuses a grace period that sets neither days nor logins, or out of bounds', async () => {
    const token = await adminToken();
    for (const enrollmentGrace of [{}, { days: 0 }, { days: 91 }, { logins: 101 }, { weeks: 1 }]) {
      const res = await t.request('PUT', '/admin/mfa/policy', { body: { ...base, enrollmentGrace }, token });
      expect({ enrollmentGrace, status: res.status, code: res.body.code }).toEqual({ enrollmentGrace, status: 400, code: 'VALIDATION_FAILED' });
    }
  });
});
