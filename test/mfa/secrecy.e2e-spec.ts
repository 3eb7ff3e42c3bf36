import { SmsDeliveryService } from '../../src/sms/sms-delivery.service.js';
import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { adminAccessToken } from '../support/admin-session.js';
import { aal2Session, loginToChallenge, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

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
  const deviceTokens: string[] = [];
  const resetTokens: string[] = [];
  const emailCodes: string[] = [];

  beforeAll(async () => {
    t = await startEmailTestApp();
    // Remembered devices on, so their tokens are swept too.
    const first = await adminAccessToken(t, 'secrecy-admin@example.com');
    const { version: _first, ...initial } = (await t.get('/admin/mfa/policy', first.accessToken)).body;
    expect((await t.request('PUT', '/admin/mfa/policy', { body: { ...initial, rememberDeviceMaxAgeSeconds: 86_400 }, token: first.accessToken })).status).toBe(200);
    for (const email of ['s1@example.com', 's2@example.com', 's3@example.com']) {
      const user = await userWithSms(t, email);
      phones.push(user.phone);
      const { mfaToken, challenge } = await loginToChallenge(t, email);
      await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: '000001' }, mfaToken);
      t.clock.advance(31);
      await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken);
      const done = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone), rememberDevice: true }, mfaToken);
      expect(done.status).toBe(200);
      deviceTokens.push(done.body.deviceToken);
      const remembered = await t.post('/auth/login', { email, password, deviceToken: done.body.deviceToken });
      expect(remembered.body.status).toBe('authenticated');
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

  it('a device token appears in no log line, no stored column, and no response but the verify that issued it', async () => {
    expect(deviceTokens).toHaveLength(3);
    const logs = t.logs.join('\n');
    const { rows: columns } = await t.db.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'ARRAY', 'json')`,
    );
    const dump: string[] = [];
    for (const { table_name, column_name } of columns) {
      const { rows } = await t.db.query(`SELECT "${column_name}"::text AS v FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`);
      for (const r of rows) dump.push(r.v);
    }
    for (const token of deviceTokens) {
      const secret = token.slice(3);
      expect({ token, inLogs: logs.includes(secret), inDatabase: dump.some((v) => v.includes(secret)) }).toEqual({ token, inLogs: false, inDatabase: false });
      expect(t.responses.filter((r) => r.includes(secret))).toHaveLength(1);
    }
  });
});

/**
 * The same sweep over the second provider's path: codes carried by AWS SNS
 * after Vonage failed, a failover on a failed receipt, the delivery-state
 * route, and a pumped prefix blocked. Stored prefixes must be prefixes.
 */
describe('secrecy across failover to the second provider', () => {
  let t: SmsTestApp;
  const password = 'correct horse battery';
  const phones: string[] = [];

  beforeAll(async () => {
    t = await startSmsTestApp({ sns: true, env: { SMS_PREFIX_DIGITS: '7', SMS_PREFIX_MIN_VOLUME: '5' } });
    for (const email of ['f1@example.com', 'f2@example.com']) {
      const user = await userWithSms(t, email);
      phones.push(user.phone);
      t.vonage.failAlways('server_error');
      const { mfaToken, challenge } = await loginToChallenge(t, email);
      await t.get(`/auth/mfa/challenges/${challenge.challengeId}`, mfaToken);
      await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: '000001' }, mfaToken);
      t.sns!.failNext('server_error', 1);
      t.clock.advance(31);
      await t.post(`/auth/mfa/challenges/${challenge.challengeId}/resend`, undefined, mfaToken);
      t.clock.advance(2);
      await t.app.get(SmsDeliveryService).pollOnce();
      await t.get(`/auth/mfa/challenges/${challenge.challengeId}`, mfaToken);
      const done = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
      expect(done.status).toBe(200);
      t.vonage.recover();
    }
    // Enough unverified codes to one prefix to block it.
    for (let i = 0; i < 10; i++) {
      const pumped = `+4474009${String(i).padStart(5, '0')}`;
      phones.push(pumped);
      const reg = await t.post('/auth/register', { email: `pump-secret${i}@example.com`, password });
      const login = await t.post('/auth/login', { email: `pump-secret${i}@example.com`, password });
      expect(reg.status).toBe(201);
      await t.post('/me/mfa/factors/sms', { phone: pumped }, login.body.accessToken);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const contains = (haystack: string, secret: string) => new RegExp(`(?<![0-9])${secret.replace('+', '\\+')}(?![0-9])`).test(haystack);
  const codes = () => [...new Set([...t.sns!.messages.flatMap((m) => t.sns!.codesSentTo(m.phoneNumber)), ...t.vonage.messages.flatMap((m) => t.vonage.codesSentTo(m.to))])];

  it('exercised both providers and the block', async () => {
    expect(t.sns!.messages.length).toBeGreaterThanOrEqual(4);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM sms_prefix_blocks`)).rows[0].n).toBe(1);
  });

  it('no code, full number or password in responses, logs or any text column; stored prefixes are prefixes', async () => {
    const { rows: columns } = await t.db.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'ARRAY', 'json')`,
    );
    const dump: string[] = [];
    for (const { table_name, column_name } of columns) {
      const { rows } = await t.db.query(`SELECT "${column_name}"::text AS v FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`);
      for (const r of rows) dump.push(`${table_name}.${column_name}=${r.v}`);
    }
    const places = { responses: t.responses.join('\n'), logs: t.logs.join('\n'), database: dump.join('\n') };
    for (const [where, all] of Object.entries(places)) {
      for (const secret of [...codes(), ...phones, ...phones.map((p) => p.slice(1)), password]) {
        expect({ where, secret, found: contains(all, secret) }).toEqual({ where, secret, found: false });
      }
    }
    const prefixes = dump.filter((line) => /^(sms_prefix_blocks\.prefix|sms_challenges\.destination_prefix)=/.test(line));
    expect(prefixes.length).toBeGreaterThan(0);
    for (const line of prefixes) expect(line.split('=')[1]).toMatch(/^\+\d{7}$/);
  });
});
