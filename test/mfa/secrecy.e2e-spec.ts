import { SmsDeliveryService } from '../../src/sms/sms-delivery.service.js';
import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { adminAccessToken } from '../support/admin-session.js';
import { aal2Session, loginToChallenge, userWithSms } from '../support/sms-test-app.js';

/**
 * security.md: the plaintext code exists in memory and in the SMS handed to
 * the provider, nowhere else. This suite runs every SMS path — enrolment,
 * login, wrong guesses, resend, retry after a provider failure, step-up — and
 * then looks for every code the fake phone received, every full number and
 * every password in every response, every log line and every text column.
 */
describe('secrecy of codes, numbers and passwords', () => {
  let t: EmailTestApp;
  const password = 'correct horse battery';
  const newPassword = 'a reset passphrase 7';
  const phones: string[] = [];
  const resetTokens: string[] = [];
  const emailCodes: string[] = [];

  beforeAll(async () => {
    t = await startEmailTestApp();
    for (const email of ['s1@example.com', 's2@example.com', 's3@example.com']) {
      const user = await userWithSms(t, email);
      phones.push(user.phone);
      const { mfaToken, challenge } = await loginToChallenge(t, email);
      await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: '000001' }, mfaToken);
      t.clock.advance(31);
      await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken);
      const done = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
      expect(done.status).toBe(200);
      // Step-up with SMS on the new session.
      const stepUp = await t.post('/auth/step-up', undefined, done.body.accessToken);
      const challenge2 = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, stepUp.body.mfaToken);
      t.vonage.failNext('throttled', 1);
      t.clock.advance(31);
      await t.post(`/auth/mfa/challenges/${challenge2.body.challengeId}/resend`, undefined, stepUp.body.mfaToken);
      t.clock.advance(2);
      await t.app.get(SmsDeliveryService).pollOnce();
      const up = await t.post('/auth/mfa/verify', { challengeId: challenge2.body.challengeId, code: t.lastCode(user.phone) }, stepUp.body.mfaToken);
      expect(up.status).toBe(200);
      // A password reset: the token travels in the mail only.
      await t.post('/auth/password/forgot', { email });
      await t.post('/auth/password/forgot', { email: `unknown-${email}` });
      await t.deliverMail();
      const token = t.smtp.lastTokenTo(email);
      resetTokens.push(token);
      expect((await t.post('/auth/password/reset', { token, password: newPassword })).status).toBe(204);
      expect((await t.post('/auth/password/reset', { token, password: newPassword })).status).toBe(400);
    }
    // Email codes: enrolment, a wrong guess and a login, once an admin allows the factor.
    const admin = await adminAccessToken(t, 'secrecy-admin@example.com');
    const { version: _version, ...policy } = (await t.get('/admin/mfa/policy', admin.accessToken)).body;
    expect((await t.request('PUT', '/admin/mfa/policy', { body: { ...policy, allowedFactors: [...policy.allowedFactors, 'email'] }, token: admin.accessToken })).status).toBe(200);
    const session = await aal2Session(t, { email: 's1@example.com', phone: phones[0]! }, newPassword);
    const enrol = await t.post('/me/mfa/factors/email', {}, session.accessToken);
    emailCodes.push(t.smtp.lastCodeTo('s1@example.com'));
    expect((await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: emailCodes.at(-1) }, session.accessToken)).status).toBe(200);
    const login = await t.post('/auth/login', { email: 's1@example.com', password: newPassword });
    const challenge = await t.post('/auth/mfa/challenges', { factorId: enrol.body.factorId }, login.body.mfaToken);
    emailCodes.push(t.smtp.lastCodeTo('s1@example.com'));
    await t.post('/auth/mfa/verify', { type: 'email', challengeId: challenge.body.challengeId, code: emailCodes.at(-1) === '000001' ? '000002' : '000001' }, login.body.mfaToken);
    expect((await t.post('/auth/mfa/verify', { type: 'email', challengeId: challenge.body.challengeId, code: emailCodes.at(-1) }, login.body.mfaToken)).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A code counts as leaked where it stands alone, not inside a longer digit run (a timestamp). */
  const contains = (haystack: string, secret: string) => new RegExp(`(?<![0-9])${secret.replace('+', '\\+')}(?![0-9])`).test(haystack);
  const smsCodes = () => [...new Set(t.vonage.messages.flatMap((m) => t.vonage.codesSentTo(m.to)))];
  const codes = () => [...smsCodes(), ...emailCodes];

  it('exercised enough to mean something', () => {
    expect(smsCodes().length).toBeGreaterThanOrEqual(12);
    expect(emailCodes).toHaveLength(2);
    expect(t.logs.length).toBeGreaterThan(30);
    expect(t.responses.length).toBeGreaterThan(30);
    expect(contains('{"code":"482913"}', '482913')).toBe(true);
    expect(contains('"time":1795871482913', '482913')).toBe(false);
  });

  it('no code appears in any HTTP response', () => {
    const all = t.responses.join('\n');
    for (const code of codes()) expect({ code, found: contains(all, code) }).toEqual({ code, found: false });
  });

  it('no reset token appears in a response, a log line or the database; mail carries only its own link', async () => {
    expect(resetTokens).toHaveLength(3);
    const { rows } = await t.db.query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'ARRAY', 'json')`,
    );
    const dump: string[] = [];
    for (const { table_name, column_name } of rows) {
      const values = await t.db.query(`SELECT "${column_name}"::text AS v FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`);
      for (const r of values.rows) dump.push(`${table_name}.${column_name}=${r.v}`);
    }
    expect(dump.some((line) => line.startsWith('email_messages.recipient_ciphertext='))).toBe(true);
    const everywhere = [t.responses.join('\n'), t.logs.join('\n'), dump.join('\n')];
    for (const token of resetTokens) {
      for (const haystack of everywhere) expect(haystack.includes(token)).toBe(false);
    }
    // No address in clear text in the outbox, and no mail holds a code, a number or a password.
    expect(dump.filter((l) => l.startsWith('email_messages.') && /s[123]@example\.com/.test(l))).toEqual([]);
    expect(t.smtp.messages.length).toBeGreaterThanOrEqual(6);
    for (const mail of t.smtp.messages) {
      const body = `${mail.subject}\n${mail.text}\n${mail.html}`;
      for (const secret of [...smsCodes(), ...phones, ...phones.map((p) => p.slice(1)), password, newPassword]) {
        expect({ secret, found: contains(body, secret) }).toEqual({ secret, found: false });
      }
    }
  });

  it('no code, full number or password appears in the application logs', () => {
    const all = t.logs.join('\n');
    for (const secret of [...codes(), ...phones, ...phones.map((p) => p.slice(1)), password, newPassword]) {
      expect({ secret, found: contains(all, secret) }).toEqual({ secret, found: false });
    }
  });

  it('no code, full number or password is stored anywhere in the database', async () => {
    const { rows: columns } = await t.db.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'ARRAY', 'json')`,
    );
    expect(columns.length).toBeGreaterThan(20);
    const dump: string[] = [];
    for (const { table_name, column_name } of columns) {
      const { rows } = await t.db.query(`SELECT "${column_name}"::text AS v FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`);
      for (const r of rows) dump.push(`${table_name}.${column_name}=${r.v}`);
    }
    const all = dump.join('\n');
    expect(all).toContain('sms_messages.body_template='); // the dump is real
    for (const secret of [...codes(), ...phones, ...phones.map((p) => p.slice(1)), password, newPassword]) {
      const hit = dump.find((line) => contains(line, secret));
      expect({ secret, hit }).toEqual({ secret, hit: undefined });
    }
  });
});
