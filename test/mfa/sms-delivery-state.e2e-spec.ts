import { SmsDeliveryService } from '../../src/sms/sms-delivery.service.js';
import { vonageSignature } from '../../src/sms/vonage-signature.js';
import { aal2Session, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { totpCode } from '../support/totp-code.js';

const SECRET = 'receipt-signing-secret';

/** GET /auth/mfa/challenges/:id, and receipts that fail a code over to the other provider. */
describe('SMS delivery state and failover on receipts', () => {
  let t: SmsTestApp;
  let outbox: SmsDeliveryService;
  beforeAll(async () => {
    t = await startSmsTestApp({ sns: true, env: { VONAGE_SIGNATURE_SECRET: SECRET, SMS_RECEIPT_TIMEOUT_SECONDS: '60' } });
    outbox = t.app.get(SmsDeliveryService);
  });
  afterAll(async () => {
    await t.close();
  });

  async function userWithSmsAndTotp(email: string) {
    const user = await userWithSms(t, email);
    const token = (await aal2Session(t, user)).accessToken;
    const enrol = await t.post('/me/mfa/factors/totp', {}, token);
    const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { code: totpCode(enrol.body.secret, t.clock.now()) }, token);
    expect(activated.status).toBe(200);
    t.clock.advance(30);
    return { ...user, totpFactorId: enrol.body.factorId as string, secret: enrol.body.secret as string };
  }

  async function smsChallenge(user: { email: string; password: string; factorId: string }) {
    const login = await t.post('/auth/login', { email: user.email, password: user.password });
    expect(login.body.status).toBe('mfa_required');
    const challenge = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, login.body.mfaToken);
    expect(challenge.status).toBe(201);
    return { mfaToken: login.body.mfaToken as string, challengeId: challenge.body.challengeId as string };
  }

  const latestRow = async (challengeId: string) =>
    (await t.db.query(`SELECT id, provider, provider_message_id, status, excluded_providers FROM sms_messages WHERE challenge_id = $1 ORDER BY created_at DESC LIMIT 1`, [challengeId])).rows[0];
  const receipt = (messageId: string, status: string) => {
    const params = { messageId, status, timestamp: String(Math.floor(t.clock.now().getTime() / 1000)), nonce: `n-${Math.random()}` };
    return t.post('/webhooks/vonage/delivery-receipt', { ...params, sig: vonageSignature(params, SECRET) });
  };

  it('a "failed" receipt shows failed with the other factors, and the next worker pass sends a fresh code through SNS: then sent', async () => {
    const user = await userWithSmsAndTotp('failed-receipt@example.com');
    const { mfaToken, challengeId } = await smsChallenge(user);
    const first = await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ challengeId, factorId: user.factorId, type: 'sms', delivery: 'sent' });
    expect(first.body.alternatives).toBeUndefined();
    const sent = await latestRow(challengeId);
    expect(sent.provider).toBe('vonage');

    expect((await receipt(sent.provider_message_id, 'failed')).status).toBe(204);
    const failed = await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken);
    expect(failed.body.delivery).toBe('failed');
    expect(failed.body.alternatives).toEqual([{ id: user.totpFactorId, type: 'totp', label: expect.any(String) }]);

    const snsBefore = t.sns!.messages.length;
    await outbox.pollOnce();
    expect(t.sns!.messages.length).toBe(snsBefore + 1);
    expect(t.sns!.messages.at(-1)!.phoneNumber).toBe(user.phone);
    const after = await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken);
    expect(after.body.delivery).toBe('sent');
    expect(after.body.alternatives).toBeUndefined();
    const replacement = await latestRow(challengeId);
    expect(replacement).toMatchObject({ provider: 'sns', status: 'sent', excluded_providers: ['vonage'] });
    const { rows } = await t.db.query(`SELECT sends FROM sms_challenges WHERE id = $1`, [challengeId]);
    expect(rows[0].sends).toBe(2);
    // A second pass does not fail the same code over twice.
    await outbox.pollOnce();
    expect(t.sns!.messages.length).toBe(snsBefore + 1);

    const ok = await t.post('/auth/mfa/verify', { challengeId, code: t.lastCode(user.phone) }, mfaToken);
    expect(ok.status).toBe(200);
  });

  it('after a failed delivery the same mfaToken completes the login with the other factor', async () => {
    const user = await userWithSmsAndTotp('other-factor@example.com');
    const { mfaToken, challengeId } = await smsChallenge(user);
    await receipt((await latestRow(challengeId)).provider_message_id, 'rejected');
    const failed = await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken);
    expect(failed.body.delivery).toBe('failed');
    const ok = await t.post('/auth/mfa/verify', { factorId: failed.body.alternatives[0].id, code: totpCode(user.secret, t.clock.now()) }, mfaToken);
    expect(ok.status).toBe(200);
    await outbox.pollOnce(); // the replacement, so that the next case starts with nothing due
  });

  it('shows failing_over while the replacement waits for the other provider, and delivered once its receipt says so', async () => {
    const user = await userWithSms(t, 'failing-over@example.com');
    const { mfaToken, challengeId } = await smsChallenge(user);
    await receipt((await latestRow(challengeId)).provider_message_id, 'expired');
    t.sns!.failNext('server_error', 1);
    await outbox.pollOnce();
    expect((await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken)).body.delivery).toBe('failing_over');
    t.clock.advance(2);
    await outbox.pollOnce();
    expect((await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken)).body.delivery).toBe('sent');
    expect((await latestRow(challengeId)).provider).toBe('sns');
  });

  it('no receipt within SMS_RECEIPT_TIMEOUT_SECONDS: the code goes out again through SNS', async () => {
    const user = await userWithSms(t, 'no-receipt@example.com');
    const { mfaToken, challengeId } = await smsChallenge(user);
    const snsBefore = t.sns!.messages.length;
    t.clock.advance(59);
    await outbox.pollOnce();
    expect(t.sns!.messages.length).toBe(snsBefore);
    t.clock.advance(2);
    await outbox.pollOnce();
    expect(t.sns!.messages.length).toBe(snsBefore + 1);
    // SNS sends no receipts: its code is not failed over for want of one.
    t.clock.advance(120);
    await outbox.pollOnce();
    expect(t.sns!.messages.length).toBe(snsBefore + 1);
    const ok = await t.post('/auth/mfa/verify', { challengeId, code: t.lastCode(user.phone) }, mfaToken);
    expect(ok.status).toBe(200);
  });

  it('a delivered receipt shows delivered', async () => {
    const user = await userWithSms(t, 'delivered@example.com');
    const { mfaToken, challengeId } = await smsChallenge(user);
    await receipt((await latestRow(challengeId)).provider_message_id, 'delivered');
    expect((await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken)).body.delivery).toBe('delivered');
  });

  it('respects the resend count: with every resend spent, a failed code is not replaced', async () => {
    const user = await userWithSms(t, 'resends-spent@example.com');
    const { mfaToken, challengeId } = await smsChallenge(user);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(31);
      expect((await t.post(`/auth/mfa/challenges/${challengeId}/resend`, {}, mfaToken)).status).toBe(200);
    }
    const row = await latestRow(challengeId);
    await receipt(row.provider_message_id, 'failed');
    const snsBefore = t.sns!.messages.length;
    await outbox.pollOnce();
    expect(t.sns!.messages.length).toBe(snsBefore);
    const state = await t.get(`/auth/mfa/challenges/${challengeId}`, mfaToken);
    expect(state.body.delivery).toBe('failed');
    const { rows } = await t.db.query(`SELECT sends, max_resends FROM sms_challenges WHERE id = $1`, [challengeId]);
    expect(rows[0].sends).toBe(1 + rows[0].max_resends);
  });

  it('is 404 for an unknown id, a malformed id, or another login attempt’s challenge', async () => {
    const user = await userWithSms(t, 'status-404@example.com');
    const { challengeId } = await smsChallenge(user);
    const other = await smsChallenge(user);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', challengeId]) {
      const res = await t.get(`/auth/mfa/challenges/${id}`, other.mfaToken);
      if (id === challengeId) expect(res.status).toBe(404);
      else expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    expect((await t.get(`/auth/mfa/challenges/${challengeId}`)).status).toBe(401);
  });
});
