import { adminAccessToken } from '../support/admin-session.js';
import { startAlertSink } from '../support/alert-sink.js';
import { loginToChallenge, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { registerAndLogin } from '../support/test-app.js';

const ATTACKED = '+4474009';

describe('conversion per prefix and the automatic block of a pumped prefix', () => {
  let t: SmsTestApp;
  let admin: string;
  let alerts: any[];
  let sink: Awaited<ReturnType<typeof startAlertSink>>;
  beforeAll(async () => {
    sink = await startAlertSink();
    alerts = sink.alerts;
    t = await startSmsTestApp({
      env: {
        SMS_PREFIX_DIGITS: '7',
        SMS_ENROLMENT_HOURLY_BUDGET: '10000',
        SMS_HOURLY_BUDGET: '10000',
        ALERT_WEBHOOK_URL: sink.url,
      },
      overrides: { rateLimitScale: 10_000 },
    });
    admin = (await adminAccessToken(t, 'pumping-admin@example.com')).accessToken;
    const policy = (await t.get('/admin/mfa/policy', admin)).body;
    const put = await t.request('PUT', '/admin/mfa/policy', { body: { ...policy, version: undefined, sms: { ...policy.sms, maxSendsPerHourPerUser: 100 } }, token: admin });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('500 codes to one prefix with none verified, while another prefix converts: that prefix is blocked, alerted and listed; the other is unaffected', async () => {
    // The honest prefix (+4474001…): 60 codes, every one verified.
    const honest = [];
    for (let i = 0; i < 10; i++) honest.push(await userWithSms(t, `honest${i}@example.com`));
    for (const user of honest) {
      for (let j = 0; j < 5; j++) {
        const { mfaToken, challenge } = await loginToChallenge(t, user.email);
        expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone) }, mfaToken)).status).toBe(200);
      }
    }

    // The pump: five throwaway accounts enrolling 100 numbers each in +4474009…, never verifying.
    const accounts = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await registerAndLogin(t, `pump${i}@example.com`)).accessToken));
    const perAccount = await Promise.all(
      accounts.map(async (token, a) => {
        const statuses: number[] = [];
        for (let n = 0; n < 100; n++) {
          const phone = `${ATTACKED}${String(a * 100 + n).padStart(5, '0')}`;
          const res = await t.post('/me/mfa/factors/sms', { phone }, token);
          statuses.push(res.status);
          if (res.status !== 201) expect(res.body.code).toBe('SMS_DESTINATION_NOT_ALLOWED');
        }
        return statuses;
      }),
    );
    const statuses = perAccount.flat();
    expect(statuses).toHaveLength(500);
    const sent = statuses.filter((s) => s === 201).length;
    // Blocked once 50 codes (SMS_PREFIX_MIN_VOLUME) went out unverified; the five accounts' requests in flight at that moment may still pass.
    expect(sent).toBeGreaterThanOrEqual(50);
    expect(sent).toBeLessThan(60);
    expect(statuses.filter((s) => s === 403)).toHaveLength(500 - sent);
    expect(t.vonage.messages.filter((m) => m.to.startsWith(ATTACKED.slice(1)))).toHaveLength(sent);

    const alert = alerts.filter((a) => a.kind === 'sms_prefix_blocked');
    expect(alert).toHaveLength(1);
    expect(alert[0].details).toMatchObject({ prefix: ATTACKED, country: 'GB', verifiedLastHour: 0 });
    expect(alert[0].details.sentLastHour).toBeGreaterThanOrEqual(50);

    const listed = await t.get('/admin/sms/prefix-blocks', admin);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ prefix: ATTACKED, country: 'GB', reason: 'conversion_collapsed', verified: 0, liftedAt: null }),
    ]);
    // What is stored is the prefix, never a number.
    const { rows } = await t.db.query(`SELECT prefix FROM sms_prefix_blocks UNION ALL SELECT DISTINCT destination_prefix FROM sms_challenges`);
    expect(rows.every((r) => r.prefix.length === 8)).toBe(true);

    // The honest prefix still gets its codes.
    const { mfaToken, challenge } = await loginToChallenge(t, honest[0]!.email);
    expect((await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(honest[0]!.phone) }, mfaToken)).status).toBe(200);
    expect((await t.post('/me/mfa/factors/sms', { phone: '+447400199999' }, (await registerAndLogin(t, 'newcomer@example.com')).accessToken)).status).toBe(201);

    // An admin lifts the block after review: codes go to the prefix again, and it is not re-blocked at once.
    const lifted = await t.post(`/admin/sms/prefix-blocks/${listed.body.items[0].id}/lift`, {}, admin);
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ prefix: ATTACKED, liftedAt: expect.any(String), liftedBy: expect.any(String) });
    expect((await t.post('/me/mfa/factors/sms', { phone: `${ATTACKED}99999` }, accounts[0]!)).status).toBe(201);
    const events = await t.db.query(`SELECT type FROM audit_events WHERE type IN ('sms.prefix.blocked', 'admin.sms_prefix.lifted') ORDER BY id`);
    expect(events.rows.map((r) => r.type)).toEqual(['sms.prefix.blocked', 'admin.sms_prefix.lifted']);
    expect((await t.post(`/admin/sms/prefix-blocks/${listed.body.items[0].id}/lift`, {}, admin)).status).toBe(404);
    expect((await t.post(`/admin/sms/prefix-blocks/not-a-uuid/lift`, {}, admin)).status).toBe(404);
  }, 240_000);
});
