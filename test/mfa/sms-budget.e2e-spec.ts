import { startAlertSink } from '../support/alert-sink.js';
import { loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { registerAndLogin } from '../support/test-app.js';

/** The app with a local webhook receiver that keeps every alert it is sent. */
async function startWithAlertSink(budget: number) {
  const sink = await startAlertSink();
  const t = await startSmsTestApp({
    env: { SMS_HOURLY_BUDGET: String(budget), SMS_ENROLMENT_HOURLY_BUDGET: String(budget), ALERT_WEBHOOK_URL: sink.url },
  });
  const close = async () => {
    await t.close();
    await sink.close();
  };
  return { t, alerts: sink.alerts, close };
}

/** A signed-in user's access token. */
async function signedIn(t: SmsTestApp, email: string): Promise<string> {
  return (await registerAndLogin(t, email)).accessToken;
}

describe('global hourly SMS budget', () => {
  let t: SmsTestApp;
  let alerts: any[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, alerts, close } = await startWithAlertSink(3));
  });
  afterAll(() => close());

  it('stops sending codes to anyone once the budget is spent, and alerts once', async () => {
    const statuses: number[] = [];
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 5; i++) {
      const token = await signedIn(t, `b${i}@example.com`);
      const res = await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, token);
      statuses.push(res.status);
      codes.push(res.body.code);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(codes.slice(3)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(t.vonage.messages).toHaveLength(3);
    expect(alerts).toHaveLength(1);
    // Enrolments spend the budget for new numbers (logins have their own: sms-budgets.e2e-spec.ts).
    expect(alerts[0]).toMatchObject({ kind: 'sms_enrolment_budget_exhausted', details: { sentLastHour: 3, budget: 3 } });

    // An hour later the budget is available again.
    t.clock.advance(3601);
    const token = await signedIn(t, 'later@example.com');
    expect((await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, token)).status).toBe(201);
  });
});

describe('abuse alerts', () => {
  let t: SmsTestApp;
  let alerts: any[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    // Budget 50: one country reaching 10 codes an hour (a fifth of it, at least 10) is a spike.
    ({ t, alerts, close } = await startWithAlertSink(50));
  });
  afterAll(() => close());

  it('alerts on an SMS volume spike to one country, naming the country and never a number', async () => {
    for (let i = 0; i < 10; i++) {
      const token = await signedIn(t, `spike${i}@example.com`);
      expect((await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, token)).status).toBe(201);
      t.clock.advance(31); // each process re-counts at most every 30 s
    }
    const spike = alerts.filter((a) => a.kind === 'sms_country_spike');
    expect(spike).toHaveLength(1);
    expect(spike[0].details).toMatchObject({ country: 'GB', sentLastHour: 10, threshold: 10 });
    expect(JSON.stringify(spike[0])).not.toMatch(/\+?447400/);
  });

  it('alerts on a wave of locked challenges', async () => {
    await t.db.query(
      `INSERT INTO audit_events (type, created_at) SELECT 'mfa.challenge.locked', now() FROM generate_series(1, 19)`,
    );
    const user = await userWithSms(t, 'waver@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const wrong = t.lastCode(user.phone) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: wrong }, mfaToken);
    expect(alerts.filter((a) => a.kind === 'lockout_wave')).toEqual([
      expect.objectContaining({ details: { lastTenMinutes: 20, threshold: 20 } }),
    ]);
  });
});
