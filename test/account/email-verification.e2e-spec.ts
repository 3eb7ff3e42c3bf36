import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { aal2Session, userWithSms } from '../support/sms-test-app.js';

describe('email verification', () => {
  let t: EmailTestApp;
  beforeAll(async () => {
    t = await startEmailTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const verifiedAt = async (email: string) => (await t.db.query(`SELECT email_verified_at FROM users WHERE email = $1`, [email])).rows[0]?.email_verified_at ?? null;

  it('mails a link at registration; opening it verifies the address, once', async () => {
    expect((await t.post('/auth/register', { email: 'verify-me@example.com', password: 'correct horse battery' })).status).toBe(201);
    await t.deliverMail();
    const mail = t.smtp.lastMailTo('verify-me@example.com');
    expect(mail.subject).toBe('Sesame: Confirm your email address');
    expect(mail.text).toMatch(/^https:\/\/app\.example\.com\/verify-email#token=[A-Za-z0-9_-]{43}$/m);
    expect(await verifiedAt('verify-me@example.com')).toBeNull();
    // Unverified users still sign in by default.
    expect((await t.post('/auth/login', { email: 'verify-me@example.com', password: 'correct horse battery' })).body.status).toBe('authenticated');

    const token = t.smtp.lastTokenTo('verify-me@example.com');
    expect((await t.post('/auth/email/verify', { token })).status).toBe(204);
    expect(await verifiedAt('verify-me@example.com')).toBeInstanceOf(Date);
    const again = await t.post('/auth/email/verify', { token });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('EMAIL_VERIFICATION_TOKEN_INVALID');
    expect((await t.post('/auth/email/verify', { token: 'short' })).body.code).toBe('EMAIL_VERIFICATION_TOKEN_INVALID');
  });

  it('mails a new link on request, which works like the first', async () => {
    const login = await t.post('/auth/register', { email: 'verify-again@example.com', password: 'correct horse battery' }).then(() =>
      t.post('/auth/login', { email: 'verify-again@example.com', password: 'correct horse battery' }),
    );
    const first = t.smtp.lastTokenTo('verify-again@example.com');
    expect((await t.post('/me/email/verification', undefined, login.body.accessToken)).status).toBe(204);
    const second = t.smtp.lastTokenTo('verify-again@example.com');
    expect(second).not.toBe(first);
    expect((await t.post('/auth/email/verify', { token: second })).status).toBe(204);
    expect(await verifiedAt('verify-again@example.com')).toBeInstanceOf(Date);
  });

  it('refuses a link older than an hour', async () => {
    await t.post('/auth/register', { email: 'verify-late@example.com', password: 'correct horse battery' });
    await t.deliverMail();
    t.clock.advance(3601);
    expect((await t.post('/auth/email/verify', { token: t.smtp.lastTokenTo('verify-late@example.com') })).body.code).toBe('EMAIL_VERIFICATION_TOKEN_INVALID');
  });

  it('changes the address only once the new one is verified, and tells the old one', async () => {
    const user = await userWithSms(t, 'mover@example.com');
    const session = await aal2Session(t, user);
    expect((await t.post('/me/email', { email: 'Mover@New.example.com' }, session.accessToken)).status).toBe(204);
    // Nothing changed yet.
    expect((await t.post('/auth/login', { email: 'mover@example.com', password: user.password })).body.status).toBe('mfa_required');
    const token = t.smtp.lastTokenTo('mover@new.example.com');
    expect((await t.post('/auth/email/verify', { token })).status).toBe(204);
    expect(t.smtp.lastMailTo('mover@example.com').text).toContain('The email address of your account was changed');
    expect((await t.post('/auth/login', { email: 'mover@example.com', password: user.password })).status).toBe(401);
    expect((await t.post('/auth/login', { email: 'mover@new.example.com', password: user.password })).body.status).toBe('mfa_required');
    expect(await verifiedAt('mover@new.example.com')).toBeInstanceOf(Date);
  });

  it('refuses a change to an address another account took in the meantime', async () => {
    const user = await userWithSms(t, 'racer@example.com');
    const session = await aal2Session(t, user);
    await t.post('/me/email', { email: 'contested@example.com' }, session.accessToken);
    const token = t.smtp.lastTokenTo('contested@example.com');
    expect((await t.post('/auth/register', { email: 'contested@example.com', password: 'correct horse battery' })).status).toBe(201);
    const res = await t.post('/auth/email/verify', { token });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
  });
});

describe('email verification required to sign in (LOGIN_REQUIRES_VERIFIED_EMAIL=true)', () => {
  let t: EmailTestApp;
  beforeAll(async () => {
    t = await startEmailTestApp({ env: { LOGIN_REQUIRES_VERIFIED_EMAIL: 'true' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses an unverified account after the right password (and mails a fresh link), then lets it in', async () => {
    await t.post('/auth/register', { email: 'strict@example.com', password: 'correct horse battery' });
    await t.deliverMail();
    expect((await t.post('/auth/login', { email: 'strict@example.com', password: 'wrong password here' })).body.code).toBe('INVALID_CREDENTIALS');
    expect(t.smtp.mailTo('strict@example.com')).toHaveLength(1);
    const refused = await t.post('/auth/login', { email: 'strict@example.com', password: 'correct horse battery' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('EMAIL_NOT_VERIFIED');
    expect(t.smtp.mailTo('strict@example.com')).toHaveLength(2);
    expect((await t.post('/auth/email/verify', { token: t.smtp.lastTokenTo('strict@example.com') })).status).toBe(204);
    expect((await t.post('/auth/login', { email: 'strict@example.com', password: 'correct horse battery' })).body.status).toBe('authenticated');
  });
});
