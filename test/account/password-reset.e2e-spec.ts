import { performance } from 'node:perf_hooks';
import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { aal2Session, loginToChallenge, userWithSms } from '../support/sms-test-app.js';

const NEW_PASSWORD = 'a brand new passphrase';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('password reset by email', () => {
  let t: EmailTestApp;
  beforeAll(async () => {
    t = await startEmailTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function mailedToken(email: string): Promise<string> {
    const res = await t.post('/auth/password/forgot', { email });
    expect(res.status).toBe(202);
    await t.deliverMail();
    return t.smtp.lastTokenTo(email);
  }

  it('forgot → mail → reset → login still needs the second factor → verify → aal2; old refresh tokens fail', async () => {
    const user = await userWithSms(t, 'reset-whole@example.com');
    const before = await aal2Session(t, user);

    const forgot = await t.post('/auth/password/forgot', { email: user.email });
    expect(forgot.status).toBe(202);
    expect(forgot.body).toEqual({ status: 'accepted' });
    await t.deliverMail();
    const mail = t.smtp.lastMailTo(user.email);
    expect(mail.subject).toBe('Sesame: Reset your password');
    expect(mail.text).toMatch(/^https:\/\/app\.example\.com\/reset-password#token=[A-Za-z0-9_-]{43}$/m);
    expect(mail.text).toContain('30 minutes');
    expect(mail.html).toContain('href="https://app.example.com/reset-password#token=');
    const token = t.smtp.lastTokenTo(user.email);

    const smsBefore = t.vonage.messages.length;
    const reset = await t.post('/auth/password/reset', { token, password: NEW_PASSWORD });
    expect(reset.status).toBe(204);
    expect(reset.text).toBe('');

    // Every session ended: its refresh token no longer works.
    const refresh = await t.post('/auth/refresh', { refreshToken: before.refreshToken });
    expect(refresh.status).toBe(401);
    expect(refresh.body.code).toBe('REFRESH_TOKEN_INVALID');
    expect((await t.get('/auth/me', before.accessToken)).status).toBe(401);

    // The owner is told by email and by SMS.
    expect(t.smtp.lastMailTo(user.email).text).toContain('The password of your account was reset');
    const texts = t.vonage.messages.slice(smsBefore).filter((m) => m.to === user.phone.slice(1) || m.to === user.phone);
    expect(texts.map((m) => m.text)).toEqual([expect.stringContaining('password of your account was reset')]);

    expect((await t.post('/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    const { mfaToken, login, challenge } = await loginToChallenge(t, user.email, NEW_PASSWORD);
    expect(login.status).toBe('mfa_required');
    const verified = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
    expect(verified.status).toBe(200);
    const me = await t.get('/auth/me', verified.body.accessToken);
    expect(me.body).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms'] });

    const audit = await t.db.query(`SELECT type FROM audit_events WHERE user_id = $1 AND type LIKE 'password.%' ORDER BY id`, [user.userId]);
    expect(audit.rows.map((r) => r.type)).toEqual(['password.reset.requested', 'password.reset']);
  });

  it('answers an unknown email with the same status and body, in comparable time, and sends nothing', async () => {
    // Each address asked about once, known or not, as someone probing for accounts would.
    const rounds = 40;
    const knownEmails = Array.from({ length: rounds }, (_, i) => `reset-timing-${i}@example.com`);
    for (const email of knownEmails) expect((await t.post('/auth/register', { email, password: 'correct horse battery' })).status).toBe(201);
    const mailBefore = t.smtp.messages.length;
    const known: number[] = [];
    const unknown: number[] = [];
    const bodies = new Set<string>();
    const statuses = new Set<number>();
    const timed = async (email: string, into: number[]) => {
      const start = performance.now();
      const res = await t.post('/auth/password/forgot', { email });
      into.push(performance.now() - start);
      bodies.add(res.text);
      statuses.add(res.status);
    };
    // Warm-up, then interleaved so that load on the machine falls on both alike.
    for (let i = 0; i < 3; i++) await timed(`warm-${i}@example.com`, []);
    for (let i = 0; i < rounds; i++) {
      await timed(knownEmails[i]!, known);
      await timed(`nobody-${i}@example.com`, unknown);
    }
    expect([...statuses]).toEqual([202]);
    expect([...bodies]).toEqual(['{"status":"accepted"}']);
    const ratio = median(unknown) / median(known);
    expect({ ratio, inRange: ratio >= 0.8 && ratio <= 1.25 }).toEqual({ ratio, inRange: true });

    await t.deliverMail();
    const sent = t.smtp.messages.slice(mailBefore);
    expect(sent.map((m) => m.to[0]).sort()).toEqual([...knownEmails].sort());
  });

  it('sends an account at most three links an hour, and answers the fourth request the same way', async () => {
    const user = await userWithSms(t, 'reset-cap@example.com');
    for (let i = 0; i < 4; i++) {
      const res = await t.post('/auth/password/forgot', { email: user.email });
      expect([res.status, res.text]).toEqual([202, '{"status":"accepted"}']);
    }
    const resetMails = () => t.smtp.mailTo(user.email).filter((m) => m.subject === 'Sesame: Reset your password');
    await t.deliverMail();
    expect(resetMails()).toHaveLength(3);
    t.clock.advance(3601);
    await t.post('/auth/password/forgot', { email: user.email });
    await t.deliverMail();
    expect(resetMails()).toHaveLength(4);
  });

  it('lets exactly one of 10 parallel submissions of a token through', async () => {
    const user = await userWithSms(t, 'reset-parallel@example.com');
    const token = await mailedToken(user.email);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.post('/auth/password/reset', { token, password: `${NEW_PASSWORD} ${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([204, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    for (const r of results.filter((r) => r.status === 400)) expect(r.body.code).toBe('PASSWORD_RESET_TOKEN_INVALID');
    const winner = results.findIndex((r) => r.status === 204);
    expect((await t.post('/auth/login', { email: user.email, password: `${NEW_PASSWORD} ${winner}` })).body.status).toBe('mfa_required');
  });

  it('refuses a token older than 30 minutes and accepts one just younger', async () => {
    const user = await userWithSms(t, 'reset-expiry@example.com');
    const stale = await mailedToken(user.email);
    t.clock.advance(30 * 60 + 1);
    const refused = await t.post('/auth/password/reset', { token: stale, password: NEW_PASSWORD });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('PASSWORD_RESET_TOKEN_INVALID');

    const fresh = await mailedToken(user.email);
    t.clock.advance(29 * 60);
    expect((await t.post('/auth/password/reset', { token: fresh, password: NEW_PASSWORD })).status).toBe(204);
  });

  it('a token works once, ends the earlier ones, and malformed or weak input is a 400', async () => {
    const user = await userWithSms(t, 'reset-once@example.com');
    const first = await mailedToken(user.email);
    const second = await mailedToken(user.email);
    expect(first).not.toBe(second);
    expect((await t.post('/auth/password/reset', { token: second, password: NEW_PASSWORD })).status).toBe(204);
    expect((await t.post('/auth/password/reset', { token: second, password: NEW_PASSWORD })).body.code).toBe('PASSWORD_RESET_TOKEN_INVALID');
    expect((await t.post('/auth/password/reset', { token: first, password: NEW_PASSWORD })).body.code).toBe('PASSWORD_RESET_TOKEN_INVALID');
    expect((await t.post('/auth/password/reset', { token: 'not-a-token', password: NEW_PASSWORD })).body.code).toBe('PASSWORD_RESET_TOKEN_INVALID');
    const third = await mailedToken(user.email);
    const weak = await t.post('/auth/password/reset', { token: third, password: 'password' });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('VALIDATION_FAILED');
    expect((await t.post('/auth/password/reset', { token: third, password: NEW_PASSWORD, extra: 1 })).body.code).toBe('VALIDATION_FAILED');
    expect((await t.post('/auth/password/forgot', { email: 42 })).body.code).toBe('VALIDATION_FAILED');
  });

  it('retries mail the SMTP server refused for now, and keeps no link once sent', async () => {
    const user = await userWithSms(t, 'reset-retry@example.com');
    const before = t.smtp.mailTo(user.email).length;
    t.smtp.failNext(451);
    await t.post('/auth/password/forgot', { email: user.email });
    await t.deliverMail();
    expect(t.smtp.mailTo(user.email)).toHaveLength(before);
    const pending = await t.db.query(`SELECT status, last_error, secret_ciphertext IS NOT NULL AS sealed FROM email_messages WHERE kind = 'password_reset' AND status NOT IN ('sent', 'suppressed')`);
    expect(pending.rows).toEqual([{ status: 'retry', last_error: 'smtp_451', sealed: true }]);
    t.clock.advance(5);
    await t.deliverMail();
    expect(t.smtp.mailTo(user.email)).toHaveLength(before + 1);
    const left = await t.db.query(`SELECT count(*)::int AS n FROM email_messages WHERE secret_ciphertext IS NOT NULL`);
    expect(left.rows[0].n).toBe(0);
  });
});
