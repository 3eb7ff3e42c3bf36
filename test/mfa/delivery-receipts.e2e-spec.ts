import { vonageSignature } from '../../src/sms/vonage-signature.js';
import { loginToChallenge, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

const SECRET = 'receipt-signing-secret';

function signed(params: Record<string, string>, secret = SECRET): Record<string, string> {
  return { ...params, sig: vonageSignature(params, secret) };
}

describe('Vonage delivery receipts', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp({ env: { VONAGE_SIGNATURE_SECRET: SECRET } });
  });
  afterAll(async () => {
    await t.close();
  });

  const now = () => String(Math.floor(t.clock.now().getTime() / 1000));

  it('a signed, fresh receipt marks the message delivered, once; replays change nothing', async () => {
    const user = await userWithSms(t, 'dlr@example.com');
    const { challenge } = await loginToChallenge(t, user.email);
    const { rows } = await t.db.query('SELECT id, provider_message_id FROM sms_messages WHERE challenge_id = $1', [challenge.challengeId]);
    const receipt = signed({ messageId: rows[0].provider_message_id, status: 'delivered', msisdn: user.phone.slice(1), timestamp: now(), nonce: 'n-1' });

    expect((await t.post('/webhooks/vonage/delivery-receipt', receipt)).status).toBe(204);
    const first = (await t.db.query('SELECT status, delivered_at FROM sms_messages WHERE id = $1', [rows[0].id])).rows[0];
    expect(first.status).toBe('delivered');

    t.clock.advance(5);
    expect((await t.post('/webhooks/vonage/delivery-receipt', receipt)).status).toBe(204);
    const second = (await t.db.query('SELECT status, delivered_at FROM sms_messages WHERE id = $1', [rows[0].id])).rows[0];
    expect(second.delivered_at).toEqual(first.delivered_at);
  });

  it('refuses a wrong signature, a tampered field, a stale receipt and garbage', async () => {
    const base = { messageId: 'x', status: 'delivered', timestamp: now() };
    const wrong = await t.post('/webhooks/vonage/delivery-receipt', signed(base, 'not-the-secret'));
    expect(wrong.status).toBe(401);
    const tampered = { ...signed(base), status: 'failed' };
    expect((await t.post('/webhooks/vonage/delivery-receipt', tampered)).status).toBe(401);
    const stale = signed({ ...base, timestamp: String(Number(now()) - 3600) });
    const staleRes = await t.post('/webhooks/vonage/delivery-receipt', stale);
    expect(staleRes.status).toBe(400);
    expect(staleRes.body.errors[0].field).toBe('timestamp');
    for (const body of [[], { a: { b: 1 } }, { sig: 'x'.repeat(64) }]) {
      const res = await t.post('/webhooks/vonage/delivery-receipt', body);
      expect(res.status === 400 || res.status === 401).toBe(true);
    }
  });
});

describe('delivery receipts without a signature secret', () => {
  it('are all refused', async () => {
    const t = await startSmsTestApp();
    try {
      const params = { messageId: 'x', status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000)) };
      const res = await t.post('/webhooks/vonage/delivery-receipt', signed(params));
      expect(res.status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
