import { RetentionService } from '../src/maintenance/retention.service.js';
import { loginToChallenge, startSmsTestApp, userWithSms } from './support/sms-test-app.js';

describe('retention', () => {
  it('prunes expired one-time state and ended sessions, and keeps the audit log and the outbox', async () => {
    const t = await startSmsTestApp();
    try {
      const user = await userWithSms(t, 'old@example.com');
      await loginToChallenge(t, user.email);
      const count = async (table: string) => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
      const before = { audit: await count('audit_events'), sms: await count('sms_messages'), challenges: await count('sms_challenges') };
      expect(before.challenges).toBe(2);

      // Nothing is old enough yet.
      expect(await t.app.get(RetentionService).pruneOnce()).toMatchObject({ sms_challenges: 0, login_attempts: 0 });

      t.clock.advance(2 * 24 * 3600);
      const removed = await t.app.get(RetentionService).pruneOnce();
      expect(removed).toMatchObject({ sms_challenges: 2, login_attempts: 1 });
      expect(await count('sms_challenges')).toBe(0);
      expect(await count('audit_events')).toBe(before.audit);
      expect(await count('sms_messages')).toBe(before.sms);

      t.clock.advance(60 * 24 * 3600); // the 30-day session has ended and a further 30 days passed
      expect((await t.app.get(RetentionService).pruneOnce()).sessions).toBeGreaterThan(0);
      expect(await count('sessions')).toBe(0);
      expect(await count('refresh_tokens')).toBe(0);
    } finally {
      await t.close();
    }
  });
});
