import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { adminAccessToken } from '../support/admin-session.js';
import { aal2Session, nextPhone, userWithSms } from '../support/sms-test-app.js';

describe('a lost phone: recovery code → remove the phone → enrol a new one', () => {
  let t: EmailTestApp;
  beforeAll(async () => {
    t = await startEmailTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const smsTo = (phone: string) => t.vonage.messages.filter((m) => `+${m.to.replace(/^\+/, '')}` === phone).map((m) => m.text);

  it('works end to end, and the old number and the mailbox are told', async () => {
    const user = await userWithSms(t, 'lost-phone@example.com');
    const setup = await aal2Session(t, user);
    const generated = await t.post('/me/mfa/recovery-codes', undefined, setup.accessToken);
    expect(generated.status).toBe(201);
    const [recoveryCode] = generated.body.codes as string[];

    // The phone is gone. The sign-in in progress asks what else there is.
    const login = await t.post('/auth/login', { email: user.email, password: user.password });
    expect(login.body.status).toBe('mfa_required');
    const help = await t.get('/me/mfa/help', login.body.mfaToken);
    expect(help.status).toBe(200);
    expect(help.body).toMatchObject({
      factors: [{ id: user.factorId, type: 'sms' }],
      recoveryCodes: { available: true, remaining: 10 },
      emailCode: { available: false },
      adminReset: { available: true },
    });
    expect(help.body.lostPhone.map((s: { route: string }) => s.route)).toEqual([
      'POST /auth/mfa/verify',
      'DELETE /me/mfa/factors/{id}',
      'POST /me/mfa/factors/sms',
      'POST /me/mfa/factors/{id}/activate',
      'POST /me/mfa/recovery-codes',
    ]);

    const recovered = await t.post('/auth/mfa/verify', { type: 'recovery_code', code: recoveryCode }, login.body.mfaToken);
    expect(recovered.status).toBe(200);
    const token = recovered.body.accessToken as string;
    expect((await t.get('/auth/me', token)).body).toMatchObject({ aal: 'aal2', amr: ['pwd', 'mfa'] });
    expect(t.smtp.lastMailTo(user.email).text).toContain('A recovery code was used to sign in to your account. 9 recovery codes remain.');
    expect((await t.get('/me/mfa/help', token)).body.recoveryCodes).toEqual({ available: true, remaining: 9 });

    const oldTexts = smsTo(user.phone).length;
    expect((await t.request('DELETE', `/me/mfa/factors/${user.factorId}`, { token })).status).toBe(204);
    expect(smsTo(user.phone).slice(oldTexts)).toEqual([expect.stringContaining('The phone number on your account was changed')]);
    expect(t.smtp.lastMailTo(user.email).text).toContain('A second factor was removed from your account.');

    const newPhone = nextPhone();
    const enrol = await t.post('/me/mfa/factors/sms', { phone: newPhone }, token);
    expect(enrol.status).toBe(201);
    const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.lastCode(newPhone) }, token);
    expect(activated.status).toBe(200);
    expect(t.smtp.lastMailTo(user.email).text).toContain('A new second factor was added to your account.');
    // The old number got nothing else: no code of the new phone went there.
    expect(smsTo(user.phone).slice(oldTexts)).toHaveLength(1);

    const next = await t.post('/auth/login', { email: user.email, password: user.password });
    const phones = next.body.factors.filter((f: { type: string }) => f.type === 'sms');
    expect(phones.map((f: { id: string }) => f.id)).toEqual([enrol.body.factorId]);
    const challenge = await t.post('/auth/mfa/challenges', { factorId: enrol.body.factorId }, next.body.mfaToken);
    const done = await t.post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: t.lastCode(newPhone) }, next.body.mfaToken);
    expect((await t.get('/auth/me', done.body.accessToken)).body).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms'] });
  });

  it('tells the account by email and SMS when an admin resets its second factors', async () => {
    const user = await userWithSms(t, 'admin-reset@example.com');
    const admin = await adminAccessToken(t, 'support-admin@example.com');
    expect((await t.post(`/admin/users/${user.userId}/mfa/reset`, undefined, admin.accessToken)).status).toBe(204);
    expect(t.smtp.lastMailTo(user.email).text).toContain('Two-step verification on your account was reset by an administrator.');
    expect(smsTo(user.phone).at(-1)).toContain('Two-step verification on your account was reset');
  });
});
