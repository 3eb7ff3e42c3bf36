import { adminAccessToken } from '../support/admin-session.js';
import { loginToChallenge, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

/** Vonage first, AWS SNS second: both fakes over real HTTP, each driven through its official SDK. */
describe('SMS failover between providers', () => {
  let t: SmsTestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startSmsTestApp({ sns: true, env: { SMS_BREAKER_OPEN_SECONDS: '30' } });
    admin = (await adminAccessToken(t, 'failover-admin@example.com')).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => {
    t.vonage.recover();
    t.sns!.recover();
  });

  const breakerOf = async (provider: string) => {
    const stats = await t.get('/admin/mfa/stats', admin);
    expect(stats.status).toBe(200);
    return (stats.body.providers as Array<{ provider: string; breaker: string }>).find((p) => p.provider === provider)?.breaker;
  };
  const breakerMetric = async (provider: string) => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    return Number(new RegExp(`^sesame_sms_breaker_state\\{provider="${provider}"\\} (\\d)`, 'm').exec(text)?.[1]);
  };

  it('Vonage answering 5xx to every send: the breaker opens within 5 failures, codes go through SNS, logins complete, and it closes after recovery', async () => {
    const users = [];
    for (let i = 0; i < 7; i++) users.push(await userWithSms(t, `outage${i}@example.com`));
    expect(await breakerOf('vonage')).toBe('closed');
    t.vonage.failAlways('server_error');
    const vonageBefore = t.vonage.requests;
    const snsBefore = t.sns!.messages.length;

    for (const user of users) {
      const { mfaToken, challenge } = await loginToChallenge(t, user.email);
      const verified = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
      expect(verified.status).toBe(200);
      expect(verified.body.accessToken).toEqual(expect.any(String));
    }
    // Five failed sends opened the breaker; the last two logins did not wait on Vonage at all.
    expect(t.vonage.requests - vonageBefore).toBe(5);
    expect(t.sns!.messages.length - snsBefore).toBe(7);
    expect(t.sns!.messages.at(-1)!.attributes).toMatchObject({ 'AWS.SNS.SMS.SMSType': 'Transactional', 'AWS.SNS.SMS.SenderID': 'Sesame' });
    expect(await breakerOf('vonage')).toBe('open');
    expect(await breakerMetric('vonage')).toBe(2);
    const { rows } = await t.db.query(`SELECT provider, status FROM sms_messages WHERE kind = 'otp' ORDER BY created_at DESC LIMIT 7`);
    expect(rows.every((r) => r.provider === 'sns' && r.status === 'sent')).toBe(true);

    // Vonage recovers; once the open period is over one probe goes to it, succeeds, and the breaker closes.
    t.vonage.recover();
    t.clock.advance(31);
    expect(await breakerOf('vonage')).toBe('half_open');
    const probe = users[0]!;
    const before = t.vonage.messages.length;
    const { mfaToken, challenge } = await loginToChallenge(t, probe.email);
    expect(t.vonage.messages.length).toBe(before + 1);
    const ok = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(probe.phone) }, mfaToken);
    expect(ok.status).toBe(200);
    expect(await breakerOf('vonage')).toBe('closed');
    expect(await breakerMetric('vonage')).toBe(0);
  });

  it('a failed probe while half-open opens the breaker again', async () => {
    const users = [];
    for (let i = 0; i < 7; i++) users.push(await userWithSms(t, `probe${i}@example.com`));
    t.vonage.failAlways('server_error');
    for (const user of users.slice(0, 5)) await loginToChallenge(t, user.email);
    expect(await breakerOf('vonage')).toBe('open');
    t.clock.advance(31);
    expect(await breakerOf('vonage')).toBe('half_open');
    const before = t.vonage.requests;
    await loginToChallenge(t, users[5]!.email);
    expect(t.vonage.requests).toBe(before + 1);
    expect(await breakerOf('vonage')).toBe('open');
    // Open again: the next login's code goes straight to SNS.
    await loginToChallenge(t, users[6]!.email);
    expect(t.vonage.requests).toBe(before + 1);
    t.vonage.recover();
    t.clock.advance(31);
    await loginToChallenge(t, users[6]!.email, undefined);
    expect(await breakerOf('vonage')).toBe('closed');
  });

  it('a refused number is not failed over (it is refused everywhere) and does not count against the provider', async () => {
    const user = await userWithSms(t, 'refused@example.com');
    t.vonage.failNext('invalid_number', 1);
    const snsBefore = t.sns!.requests;
    const login = await t.post('/auth/login', { email: user.email, password: user.password });
    const res = await t.post('/auth/mfa/challenges', { factorId: user.factorId }, login.body.mfaToken);
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('SMS_DELIVERY_FAILED');
    expect(t.sns!.requests).toBe(snsBefore);
    expect(await breakerOf('vonage')).toBe('closed');
  });
});

describe('SMS routing per destination country', () => {
  it('sends to the countries SMS_ROUTES names through their providers first, and the rest through the default order', async () => {
    const t = await startSmsTestApp({ sns: true, env: { SMS_ROUTES: 'GB:sns>vonage' } });
    try {
      const user = await userWithSms(t, 'routed@example.com');
      expect(t.vonage.messages).toHaveLength(0);
      expect(t.sns!.messages.map((m) => m.phoneNumber)).toEqual([user.phone]);
      const { rows } = await t.db.query(`SELECT provider FROM sms_messages WHERE user_id = $1`, [user.userId]);
      expect(rows).toEqual([{ provider: 'sns' }]);
      // SNS down for GB: Vonage carries it.
      t.sns!.failAlways('throttled');
      const { mfaToken, challenge } = await loginToChallenge(t, user.email);
      expect(t.vonage.messages.map((m) => m.to)).toEqual([user.phone.slice(1)]);
      const ok = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
      expect(ok.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
