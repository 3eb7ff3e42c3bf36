import { adminAccessToken } from '../support/admin-session.js';
import { startAlertSink } from '../support/alert-sink.js';
import { loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { registerAndLogin } from '../support/test-app.js';

/** Runs `work` over `items`, `width` at a time. */
async function inBatches<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return out;
}

describe('separate SMS budgets for verified numbers (login) and new numbers (enrolment)', () => {
  let t: SmsTestApp;
  let alerts: any[];
  let sink: Awaited<ReturnType<typeof startAlertSink>>;
  beforeAll(async () => {
    sink = await startAlertSink();
    alerts = sink.alerts;
    t = await startSmsTestApp({
      env: {
        SMS_HOURLY_BUDGET: '1000',
        SMS_ENROLMENT_HOURLY_BUDGET: '1000',
        // The flood's numbers share one prefix and are never verified: with the pumping defence on, the
        // prefix would be blocked long before the budget is reached (sms-pumping.e2e-spec.ts). Off here.
        SMS_PREFIX_MIN_CONVERSION: '0',
        SMS_PREFIX_HOURLY_QUOTA: '100000',
        ALERT_WEBHOOK_URL: sink.url,
      },
      overrides: { rateLimitScale: 10_000 },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('2,000 enrolment attempts to new numbers from 100 accounts trip the enrolment budget; existing users still get their login SMS', async () => {
    const existing = [];
    for (let i = 0; i < 5; i++) existing.push(await userWithSms(t, `existing${i}@example.com`));
    // Twenty numbers per account: the per-user cap is raised so that only the budget can refuse them.
    const admin = (await adminAccessToken(t, 'budget-admin@example.com')).accessToken;
    const policy = (await t.get('/admin/mfa/policy', admin)).body;
    const put = await t.request('PUT', '/admin/mfa/policy', { body: { ...policy, version: undefined, sms: { ...policy.sms, maxSendsPerHourPerUser: 25 } }, token: admin });
    expect(put.status).toBe(200);

    const accounts = await inBatches(
      Array.from({ length: 100 }, (_, i) => `flood${i}@example.com`),
      4,
      async (email) => (await registerAndLogin(t, email)).accessToken,
    );
    const attempts = accounts.flatMap((token) => Array.from({ length: 20 }, () => ({ token, phone: nextPhone() })));
    expect(attempts).toHaveLength(2000);
    // One account's attempts one after the other (a new enrolment replaces the pending one), accounts side by side.
    const perAccount = await inBatches(accounts, 10, async (token) => {
      const statuses: number[] = [];
      for (const attempt of attempts.filter((a) => a.token === token)) {
        statuses.push((await t.post('/me/mfa/factors/sms', { phone: attempt.phone }, attempt.token)).status);
      }
      return statuses;
    });
    const statuses = perAccount.flat();
    // The five existing users' enrolments came out of the same budget for new numbers. The budget is
    // counted on eight shard rows (SendCapsService), each statement reading the shards it does not lock
    // from its own snapshot: sends in flight side by side (ten here) may overshoot it by fewer than ten.
    const accepted = statuses.filter((s) => s === 201).length;
    expect(accepted).toBeGreaterThanOrEqual(1000 - existing.length);
    expect(accepted).toBeLessThan(1000 - existing.length + 10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2000 - accepted);
    expect(alerts.filter((a) => a.kind === 'sms_enrolment_budget_exhausted')).toHaveLength(1);

    // The login budget did not trip: every existing user still gets a code and signs in.
    for (const user of existing) {
      const { mfaToken, challenge } = await loginToChallenge(t, user.email);
      const ok = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken);
      expect(ok.status).toBe(200);
    }
    expect(alerts.filter((a) => a.kind === 'sms_budget_exhausted')).toHaveLength(0);
  }, 240_000);
});

describe('per-number cap', () => {
  it('200 parallel sends to one number against a cap of 5 send exactly 5', async () => {
    const t = await startSmsTestApp({ env: { SMS_PER_NUMBER_HOURLY_CAP: '5' }, overrides: { rateLimitScale: 10_000 } });
    try {
      const phone = nextPhone();
      // 200 accounts, each enrolling the same number: only the per-number cap can refuse them.
      const tokens = await inBatches(Array.from({ length: 200 }, (_, i) => `same-number${i}@example.com`), 4, async (email) => (await registerAndLogin(t, email)).accessToken);
      const before = t.vonage.messages.length;
      const statuses = await Promise.all(tokens.map((token) => t.post('/me/mfa/factors/sms', { phone }, token).then((r) => r.status)));
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(195);
      expect(t.vonage.messages.length - before).toBe(5);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM sms_messages WHERE kind = 'otp'`);
      expect(rows[0].n).toBe(5);
    } finally {
      await t.close();
    }
  }, 180_000);
});

describe('spend budget from the price table', () => {
  it('stops sending once the hour’s spend reaches SMS_HOURLY_SPEND_BUDGET, alerts, and counts the spend per country', async () => {
    const sink = await startAlertSink();
    const t = await startSmsTestApp({ env: { SMS_PRICES: 'GB:0.04,*:0.1', SMS_HOURLY_SPEND_BUDGET: '0.2', ALERT_WEBHOOK_URL: sink.url } });
    try {
      const metric = async () => {
        const text = await (await fetch(`${t.url}/metrics`)).text();
        return Number(/^sesame_sms_spend_total\{provider="vonage",country="GB"\} ([\d.]+)/m.exec(text)?.[1] ?? 0);
      };
      const before = await metric();
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const token = (await registerAndLogin(t, `spender${i}@example.com`)).accessToken;
        statuses.push((await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, token)).status);
      }
      // 0.04 a code: five codes make 0.20.
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
      expect(t.vonage.messages).toHaveLength(5);
      expect((await metric()) - before).toBeCloseTo(0.2, 6);
      expect(sink.alerts.filter((a) => a.kind === 'sms_spend_budget_exhausted')).toEqual([
        expect.objectContaining({ details: { spentLastHour: 0.2, budget: 0.2 } }),
      ]);
      // The refused sends gave their price back: an hour later the budget is whole again.
      t.clock.advance(3601);
      const token = (await registerAndLogin(t, 'spender-later@example.com')).accessToken;
      expect((await t.post('/me/mfa/factors/sms', { phone: nextPhone() }, token)).status).toBe(201);
    } finally {
      await t.close();
      await sink.close();
    }
  });
});
