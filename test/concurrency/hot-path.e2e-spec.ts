import { totpCode } from '../support/totp-code.js';
import { aal2Session, loginToChallenge, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

const PASSWORD = 'correct horse battery';


/** A distinct client address per request, so per-IP throttling is not what stops a burst. */
const fromIp = (i: number) => ({ 'x-forwarded-for': `198.51.${(i >> 8) & 255}.${i & 255}` });

async function userWithTotp(t: SmsTestApp, email: string) {
  const user = await userWithSms(t, email);
  const { accessToken } = await aal2Session(t, user);
  const enrol = await t.post('/me/mfa/factors/totp', {}, accessToken);
  if (enrol.status !== 201) throw new Error(`totp enrol: ${enrol.status} ${enrol.text}`);
  const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { code: totpCode(enrol.body.secret, t.clock.now()) }, accessToken);
  if (activated.status !== 200) throw new Error(`totp activate: ${activated.status} ${activated.text}`);
  // Activation spent the current step: the next code accepted is from a later one.
  t.clock.advance(30);
  return { ...user, totpFactorId: enrol.body.factorId as string, secret: enrol.body.secret as string };
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('the login hot path under concurrency', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('300 parallel wrong SMS codes on one mfaToken, from 300 addresses, are evaluated at most 10 times (the token cap)', async () => {
    const user = await userWithSms(t, 'sms-burst@example.com');
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const right = t.lastCode(user.phone);
    const wrong = right === '000000' ? '111111' : '000000';
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        t.request('POST', '/auth/mfa/verify', { body: { challengeId: challenge.challengeId, code: wrong }, token: mfaToken, headers: fromIp(i) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    // Compared codes answer 401; everything else was refused before any comparison.
    expect(count(statuses, 401)).toBe(5);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(300);
    const { rows } = await t.db.query('SELECT attempts FROM sms_challenges WHERE id = $1', [challenge.challengeId]);
    expect(rows[0].attempts).toBe(5);
    const attempts = await t.db.query('SELECT verify_attempts FROM login_attempts WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [user.userId]);
    expect(attempts.rows[0].verify_attempts).toBe(10);
  });

  it('300 parallel wrong TOTP codes on one mfaToken, from 300 addresses, are evaluated at most 10 times', async () => {
    const user = await userWithTotp(t, 'totp-burst@example.com');
    const login = await t.post('/auth/login', { email: user.email, password: PASSWORD });
    const right = totpCode(user.secret, t.clock.now());
    const wrong = right === '000000' ? '111111' : '000000';
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        t.request('POST', '/auth/mfa/verify', { body: { factorId: user.totpFactorId, code: wrong }, token: login.body.mfaToken, headers: fromIp(i) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(count(statuses, 401)).toBe(10);
    expect(count(statuses, 429)).toBe(290);
    const failed = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = 'mfa.code.failed'`, [user.userId]);
    expect(failed.rows[0].n).toBe(10);
  });

  it('40 parallel verifies of one correct TOTP code give exactly one session', async () => {
    const user = await userWithTotp(t, 'totp-race@example.com');
    const logins = await Promise.all(Array.from({ length: 40 }, () => t.post('/auth/login', { email: user.email, password: PASSWORD })));
    const code = totpCode(user.secret, t.clock.now());
    const results = await Promise.all(
      logins.map((login, i) =>
        t.request('POST', '/auth/mfa/verify', { body: { factorId: user.totpFactorId, code }, token: login.body.mfaToken, headers: fromIp(i) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(count(statuses, 200)).toBe(1);
    const sessions = await t.db.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND aal = 'aal2' AND 'otp' = ANY(amr)`, [user.userId]);
    expect(sessions.rows[0].n).toBe(1);
  });

  it('100 parallel challenge starts for one user, from 100 addresses, send no more codes than the hourly cap', async () => {
    const user = await userWithSms(t, 'sms-pump@example.com');
    const login = await t.post('/auth/login', { email: user.email, password: PASSWORD });
    const sentBefore = t.vonage.messages.length; // the enrolment's code counts towards the hour too
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        t.request('POST', '/auth/mfa/challenges', { body: { factorId: user.factorId }, token: login.body.mfaToken, headers: fromIp(i) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(count(statuses, 201)).toBe(9);
    expect(count(statuses, 429)).toBe(91);
    // Each 201 answered after its code reached the provider.
    expect(t.vonage.messages.length - sentBefore).toBe(9);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM sms_challenges WHERE user_id = $1', [user.userId]);
    expect(rows[0].n).toBe(10);
  });

  it('30 codes sent at once are each recorded on their own outbox row, with their own message id and audit event', async () => {
    // Outcomes that arrive together are written together (sms-delivery.service.ts, record()).
    const users = await Promise.all(Array.from({ length: 30 }, (_, i) => userWithSms(t, `sent-together-${i}@example.com`)));
    const logins = await Promise.all(
      users.map((u, i) => t.request('POST', '/auth/login', { body: { email: u.email, password: PASSWORD }, headers: fromIp(4000 + i) })),
    );
    const challenges = await Promise.all(
      logins.map((l, i) =>
        t.request('POST', '/auth/mfa/challenges', { body: { factorId: users[i]!.factorId }, token: l.body.mfaToken, headers: fromIp(4000 + i) }),
      ),
    );
    expect(challenges.map((c) => c.status)).toEqual(Array(30).fill(201));
    for (const [i, challenge] of challenges.entries()) {
      const sent = t.vonage.lastMessageTo(users[i]!.phone)!;
      const { rows } = await t.db.query('SELECT status, provider_message_id, sent_at, locked_until FROM sms_messages WHERE challenge_id = $1', [
        challenge.body.challengeId,
      ]);
      expect(rows).toEqual([{ status: 'sent', provider_message_id: sent.messageId, sent_at: expect.any(Date), locked_until: null }]);
      const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'mfa.code.sent' AND metadata->>'challengeId' = $1`, [
        challenge.body.challengeId,
      ]);
      expect(audit.rows[0].n).toBe(1);
    }
  });

  it('parallel SMS enrolments of one user give no 5xx: one replaces the other', async () => {
    const login = await t.post('/auth/register', { email: 'twice-enrolled@example.com', password: PASSWORD });
    expect(login.status).toBe(201);
    const session = await t.post('/auth/login', { email: 'twice-enrolled@example.com', password: PASSWORD });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.request('POST', '/me/mfa/factors/sms', { body: { phone: nextPhone() }, token: session.body.accessToken, headers: fromIp(500 + i) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses).toContain(201);
  });

  it('60 parallel reuses of a rotated refresh token give no 5xx and do not hold up another user', async () => {
    const victim = await userWithSms(t, 'reused@example.com');
    const other = await userWithSms(t, 'bystander@example.com');
    const first = await aal2Session(t, victim);
    const rotated = await t.post('/auth/refresh', { refreshToken: first.refreshToken });
    expect(rotated.status).toBe(200);
    const bystander = await aal2Session(t, other);

    const meTimes: number[] = [];
    const meStatuses: number[] = [];
    const reuses = Promise.all(
      Array.from({ length: 60 }, (_, i) => t.request('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken }, headers: fromIp(i) })),
    );
    const me = (async () => {
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        meStatuses.push((await t.get('/auth/me', bystander.accessToken)).status);
        meTimes.push(performance.now() - started);
      }
    })();
    const [results] = await Promise.all([reuses, me]);
    expect(results.filter((r) => r.status >= 500).map((r) => r.text)).toEqual([]);
    expect(results.every((r) => r.body.code === 'REFRESH_TOKEN_INVALID')).toBe(true);
    expect(meStatuses).toEqual(Array(10).fill(200));
    expect(Math.max(...meTimes)).toBeLessThan(1000);
    // Reuse revoked the victim's session: the rotated token no longer works either.
    expect((await t.post('/auth/refresh', { refreshToken: rotated.body.refreshToken })).status).toBe(401);
  });
});

describe('the login hot path on a pool of two connections', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp({ env: { TRUST_PROXY: 'true', DATABASE_POOL_SIZE: '2' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('20 concurrent flows of every kind complete without a pool timeout', async () => {
    const smsUsers = await Promise.all(Array.from({ length: 10 }, (_, i) => userWithSms(t, `pool-sms-${i}@example.com`)));
    // Users of their own for the guessing flows, so that no two flows read codes from one phone.
    const guessers = await Promise.all(Array.from({ length: 3 }, (_, i) => userWithSms(t, `pool-guess-${i}@example.com`)));
    const totpUsers: Array<Awaited<ReturnType<typeof userWithTotp>>> = [];
    for (let i = 0; i < 4; i++) totpUsers.push(await userWithTotp(t, `pool-totp-${i}@example.com`));

    const flows: Array<Promise<string>> = [];
    // SMS logins: password → challenge → code → verify → refresh → /auth/me.
    for (const [i, user] of smsUsers.entries()) {
      flows.push(
        (async () => {
          const headers = fromIp(1000 + i);
          const { mfaToken, challenge } = await loginToChallenge(t, user.email, PASSWORD, headers);
          const verified = await t.request('POST', '/auth/mfa/verify', {
            body: { challengeId: challenge.challengeId, code: t.lastCode(user.phone) },
            token: mfaToken,
            headers,
          });
          if (verified.status !== 200) return `sms verify ${verified.status} ${verified.text}`;
          const refreshed = await t.request('POST', '/auth/refresh', { body: { refreshToken: verified.body.refreshToken }, headers });
          if (refreshed.status !== 200) return `refresh ${refreshed.status} ${refreshed.text}`;
          const me = await t.get('/auth/me', refreshed.body.accessToken);
          return me.status === 200 ? 'ok' : `me ${me.status}`;
        })(),
      );
    }
    // TOTP logins and a recovery-code set, with factor listing and step-up.
    for (const [i, user] of totpUsers.entries()) {
      flows.push(
        (async () => {
          const headers = fromIp(2000 + i);
          const login = await t.request('POST', '/auth/login', { body: { email: user.email, password: PASSWORD }, headers });
          const verified = await t.request('POST', '/auth/mfa/verify', {
            body: { factorId: user.totpFactorId, code: totpCode(user.secret, t.clock.now()) },
            token: login.body.mfaToken,
            headers,
          });
          if (verified.status !== 200) return `totp verify ${verified.status} ${verified.text}`;
          const codes = await t.request('POST', '/me/mfa/recovery-codes', { token: verified.body.accessToken, headers });
          if (codes.status !== 201) return `recovery codes ${codes.status} ${codes.text}`;
          const listed = await t.get('/me/mfa/factors', verified.body.accessToken);
          if (listed.status !== 200) return `factors ${listed.status}`;
          const stepUp = await t.request('POST', '/auth/step-up', { token: verified.body.accessToken, headers });
          return stepUp.status === 200 ? 'ok' : `step-up ${stepUp.status} ${stepUp.text}`;
        })(),
      );
    }
    // New accounts enrolling SMS, and wrong guesses that lock a challenge.
    for (let i = 0; i < 6; i++) {
      flows.push(
        (async () => {
          const headers = fromIp(3000 + i);
          if (i % 2 === 0) {
            const user = await userWithSms(t, `pool-new-${i}@example.com`);
            return user.factorId ? 'ok' : 'no factor';
          }
          const user = guessers[(i - 1) / 2]!;
          const { mfaToken, challenge } = await loginToChallenge(t, user.email, PASSWORD, headers);
          for (let guess = 0; guess < 5; guess++) {
            const res = await t.request('POST', '/auth/mfa/verify', { body: { challengeId: challenge.challengeId, code: '000000' }, token: mfaToken, headers });
            if (res.status >= 500) return `guess ${res.status} ${res.text}`;
          }
          return 'ok';
        })(),
      );
    }
    expect(flows).toHaveLength(20);
    expect(await Promise.all(flows)).toEqual(Array(20).fill('ok'));
    expect(t.logs.join('').match(/timeout exceeded when trying to connect/g) ?? []).toEqual([]);
  }, 60_000);
});
