import { auditPageQuery, encodeAuditCursor } from '../../src/admin/audit-query.service.js';
import { ATTEMPT_STATS_SQL, ATTEMPT_TYPES } from '../../src/admin/mfa-stats.service.js';
import { loginToChallenge, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';
import { startTestApp, type HttpResult, type TestApp } from '../support/test-app.js';
import { adminAccessToken } from '../support/admin-session.js';

const DAY_MS = 86_400_000;

type Outcome = 'sent' | 'delivered' | 'failed' | 'verified' | 'failedAttempts' | 'lockouts';

/** What the test did, written down as it did it; the expected figures are counted from this, not from the database. */
interface Happening {
  day: string;
  outcome: Outcome;
  /** For SMS outcomes: the destination's country. */
  country?: string;
}

const FR_PHONE = '+33612345678';
const DE_PHONE = '+4915123456789';

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A well-formed code that is certainly not the one sent. */
function wrongCode(code: string): string {
  return [...code].map((d) => String((Number(d) + 1) % 10)).join('');
}

describe('admin: audit log and MFA statistics', () => {
  let t: SmsTestApp;
  const ledger: Happening[] = [];
  const days: string[] = [];
  let users: Record<'alice' | 'bob' | 'carol', { userId: string; phone: string; email: string }>;
  /** A signed-in user at aal2 without the admin role. */
  let plainAal2: string;
  let admin: string;
  let adminAal1: string;

  const today = () => utcDay(t.clock.now());
  const note = (outcome: Outcome, country?: string, times = 1) => {
    for (let i = 0; i < times; i++) ledger.push({ day: today(), outcome, ...(country ? { country } : {}) });
  };
  /** The provider message id of the last SMS to this phone, as a delivery receipt would name it. */
  const lastMessageId = (phone: string) => t.vonage.lastMessageTo(phone)!.messageId;

  async function enrol(name: 'alice' | 'bob' | 'carol', country: string, phone?: string) {
    const user = await userWithSms(t, `${name}@example.com`, phone);
    note('sent', country);
    note('verified');
    return user;
  }

  async function loginWithRightCode(email: string, phone: string, country: string, wrongGuesses = 0) {
    const { mfaToken, challenge } = await loginToChallenge(t, email);
    note('sent', country);
    for (let i = 0; i < wrongGuesses; i++) {
      const res = await t.post(
        '/auth/mfa/verify',
        { challengeId: challenge.challengeId, code: wrongCode(t.lastCode(phone)) },
        mfaToken,
      );
      expect(res.body.code).toBe('MFA_INVALID_CODE');
      note('failedAttempts');
    }
    const ok = await t.post(
      '/auth/mfa/verify',
      { challengeId: challenge.challengeId, code: t.lastCode(phone) },
      mfaToken,
    );
    expect(ok.status).toBe(200);
    note('verified');
    return ok.body.accessToken as string;
  }

  beforeAll(async () => {
    t = await startSmsTestApp();
    // Noon UTC of tomorrow: every "day" of the story below stays well inside one UTC day.
    const now = t.clock.now().getTime();
    t.clock.advance((Math.floor(now / DAY_MS) * DAY_MS + DAY_MS + DAY_MS / 2 - now) / 1000);
    const delivered: Array<{ messageId: string; day: string; country: string }> = [];

    // Day 1: three users enrol (GB, FR, DE); Alice signs in first time right, Bob after one wrong code.
    days.push(today());
    const alice = await enrol('alice', 'GB');
    const bob = await enrol('bob', 'FR', FR_PHONE);
    const carol = await enrol('carol', 'DE', DE_PHONE);
    delivered.push({ messageId: lastMessageId(carol.phone), day: today(), country: 'DE' });
    users = { alice, bob, carol };
    await loginWithRightCode(alice.email, alice.phone, 'GB');
    delivered.push({ messageId: lastMessageId(alice.phone), day: today(), country: 'GB' });
    await loginWithRightCode(bob.email, bob.phone, 'FR', 1);

    // Day 2: Carol guesses wrong five times and locks her challenge; Alice's first code cannot be sent.
    t.clock.advance(DAY_MS / 1000);
    days.push(today());
    {
      const { mfaToken, challenge } = await loginToChallenge(t, carol.email);
      note('sent', 'DE');
      for (let i = 0; i < 5; i++) {
        const res = await t.post(
          '/auth/mfa/verify',
          { challengeId: challenge.challengeId, code: wrongCode(t.lastCode(carol.phone)) },
          mfaToken,
        );
        expect(res.body).toMatchObject({ code: 'MFA_INVALID_CODE', attemptsRemaining: 4 - i });
        note('failedAttempts');
      }
      note('lockouts');
      // Even the right code is refused now, and that refusal is no further attempt.
      const locked = await t.post(
        '/auth/mfa/verify',
        { challengeId: challenge.challengeId, code: t.lastCode(carol.phone) },
        mfaToken,
      );
      expect(locked.body.code).toBe('MFA_CHALLENGE_LOCKED');
    }
    {
      const login = await t.post('/auth/login', { email: alice.email, password: 'correct horse battery' });
      const factorId = login.body.factors[0].id;
      t.vonage.failNext('invalid_number');
      const refused = await t.post('/auth/mfa/challenges', { factorId }, login.body.mfaToken);
      expect(refused.status).toBe(502);
      note('failed', 'GB');
      const challenge = await t.post('/auth/mfa/challenges', { factorId }, login.body.mfaToken);
      expect(challenge.status).toBe(201);
      note('sent', 'GB');
      const ok = await t.post(
        '/auth/mfa/verify',
        { challengeId: challenge.body.challengeId, code: t.lastCode(alice.phone) },
        login.body.mfaToken,
      );
      expect(ok.status).toBe(200);
      note('verified');
    }

    // Day 3: nothing happens. Day 4: Bob signs in.
    t.clock.advance((2 * DAY_MS) / 1000);
    days.push(utcDay(new Date(t.clock.now().getTime() - DAY_MS)), today());
    plainAal2 = await loginWithRightCode(bob.email, bob.phone, 'FR');
    delivered.push({ messageId: lastMessageId(bob.phone), day: today(), country: 'FR' });

    // Delivery receipts for three of the codes, applied as the receipt handler applies them.
    for (const receipt of delivered) {
      const { rowCount } = await t.db.query(
        `UPDATE sms_messages SET status = 'delivered', delivered_at = $2 WHERE provider_message_id = $1 AND status = 'sent'`,
        [receipt.messageId, t.clock.now()],
      );
      expect(rowCount).toBe(1);
      ledger.push({ day: receipt.day, outcome: 'delivered', country: receipt.country });
    }

    admin = (await adminAccessToken(t, 'admin@example.com')).accessToken;
    adminAal1 = (await adminAccessToken(t, 'admin@example.com', { aal: 1 })).accessToken;
  }, 60_000);

  afterAll(async () => {
    await t.close();
  });

  /** Every item of every page, following nextCursor to the end. */
  async function allPages(query: string, token = admin) {
    const items: any[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 500; page++) {
      const res: HttpResult = await t.get(`/admin/audit-events?${query}${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      sizes.push(res.body.items.length);
      cursor = res.body.nextCursor;
      if (cursor === null) return { items, sizes };
    }
    throw new Error('the cursor never ended');
  }

  describe('GET /admin/audit-events', () => {
    it('lists events newest first, each with the documented fields', async () => {
      const res = await t.get('/admin/audit-events?limit=200', admin);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
      const locked = res.body.items.find((e: any) => e.type === 'mfa.challenge.locked');
      expect(locked).toEqual({
        id: expect.stringMatching(/^\d+$/),
        type: 'mfa.challenge.locked',
        userId: users.carol.userId,
        actorId: null,
        ip: expect.any(String),
        userAgent: expect.any(String),
        metadata: { challengeId: expect.any(String) },
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
      const times = res.body.items.map((e: any) => Date.parse(e.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('uses 50 items as the default page size', async () => {
      await t.db.query(
        `INSERT INTO audit_events (type, created_at) SELECT 'test.filler', timestamptz '2019-01-01' + g * interval '1 hour' FROM generate_series(1, 40) AS g`,
      );
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM audit_events`);
      expect(rows[0].n).toBeGreaterThan(50);
      const res = await t.get('/admin/audit-events', admin);
      expect(res.body.items).toHaveLength(50);
      expect(res.body.nextCursor).toEqual(expect.any(String));
    });

    it('filters by user', async () => {
      const { items } = await allPages(`userId=${users.carol.userId}&limit=200`);
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((e) => e.userId === users.carol.userId)).toBe(true);
      expect(items.filter((e) => e.type === 'mfa.code.failed')).toHaveLength(5);
      expect(items.filter((e) => e.type === 'mfa.challenge.locked')).toHaveLength(1);
      expect(items.filter((e) => e.type === 'mfa.code.verified')).toHaveLength(1);
    });

    it('filters by type, and by user and type together', async () => {
      const failed = await t.get('/admin/audit-events?type=mfa.code.failed', admin);
      expect(failed.body.items.map((e: any) => e.userId).sort()).toEqual(
        [users.bob.userId, ...Array(5).fill(users.carol.userId)].sort(),
      );
      const verified = await t.get('/admin/audit-events?type=mfa.code.verified', admin);
      expect(verified.body.items).toHaveLength(ledger.filter((h) => h.outcome === 'verified').length);

      const carols = await t.get(`/admin/audit-events?type=mfa.code.failed&userId=${users.carol.userId}`, admin);
      // Newest first: the guess that left no attempts comes first.
      expect(carols.body.items.map((e: any) => e.metadata.attemptsRemaining)).toEqual([0, 1, 2, 3, 4]);
      const nobody = await t.get(`/admin/audit-events?type=mfa.challenge.locked&userId=${users.bob.userId}`, admin);
      expect(nobody.body).toEqual({ items: [], nextCursor: null });
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const day2 = await t.get(`/admin/audit-events?type=mfa.code.failed&from=${days[1]}&to=${days[2]}`, admin);
      expect(day2.body.items.map((e: any) => e.userId)).toEqual(Array(5).fill(users.carol.userId));
      const day1 = await t.get(
        `/admin/audit-events?type=mfa.code.failed&from=${days[0]}T00:00:00Z&to=${days[1]}T00:00:00%2B00:00`,
        admin,
      );
      expect(day1.body.items.map((e: any) => e.userId)).toEqual([users.bob.userId]);

      const [first] = day2.body.items;
      const exactly = await t.get(`/admin/audit-events?type=mfa.code.failed&from=${first.createdAt}`, admin);
      expect(exactly.body.items.at(-1).id).toBe(first.id);
      const before = await t.get(`/admin/audit-events?type=mfa.code.failed&to=${first.createdAt}`, admin);
      expect(before.body.items.map((e: any) => e.id)).not.toContain(first.id);
    });

    it('pages with a cursor: no duplicates, no gaps, and a null cursor at the end', async () => {
      const { rows } = await t.db.query(`SELECT id::text FROM audit_events ORDER BY created_at DESC, id DESC`);
      const { items, sizes } = await allPages('limit=2');
      expect(items.map((e) => e.id)).toEqual(rows.map((r: { id: string }) => r.id));
      expect(sizes.slice(0, -1).every((n) => n === 2)).toBe(true);

      const carol = await allPages(`userId=${users.carol.userId}&limit=2`);
      const whole = await t.get(`/admin/audit-events?userId=${users.carol.userId}&limit=200`, admin);
      expect(carol.items).toEqual(whole.body.items);
    });

    it('keeps its place among events of the same instant, to the microsecond', async () => {
      // Seven events over three microseconds: ties that only the id breaks, and instants a millisecond clock cannot tell apart.
      await t.db.query(
        `INSERT INTO audit_events (type, created_at)
         SELECT 'test.tie', timestamptz '2020-01-01T00:00:00.000001Z' + (g / 3) * interval '1 microsecond' FROM generate_series(0, 6) AS g`,
      );
      const { rows } = await t.db.query(
        `SELECT id::text FROM audit_events WHERE type = 'test.tie' ORDER BY created_at DESC, id DESC`,
      );
      const { items, sizes } = await allPages('type=test.tie&limit=2');
      expect(items.map((e) => e.id)).toEqual(rows.map((r: { id: string }) => r.id));
      expect(sizes).toEqual([2, 2, 2, 1]);
    });

    it('refuses a malformed cursor with 400 VALIDATION_FAILED', async () => {
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      const cursors = [
        'not a cursor',
        '%00',
        'AAAA',
        b64('hello'),
        b64('2025-02-30T10:00:00.000000Z,1'),
        b64('2025-01-01T25:00:00.000000Z,1'),
        b64('0000-01-01T00:00:00.000000Z,1'),
        b64('2025-01-01T00:00:00.000Z,1'),
        b64('2025-01-01T00:00:00.000000Z,0'),
        b64('2025-01-01T00:00:00.000000Z,-1'),
        b64('2025-01-01T00:00:00.000000Z,9223372036854775808'),
        b64('2025-01-01T00:00:00.000000Z,1;DROP TABLE users'),
        b64('2025-01-01T00:00:00.000000Z'),
        'x'.repeat(201),
      ];
      for (const cursor of cursors) {
        const res = await t.get(`/admin/audit-events?cursor=${encodeURIComponent(cursor)}`, admin);
        expect({ cursor, status: res.status, code: res.body.code }).toEqual({
          cursor,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
      }
      // The largest id still reads (an empty tail), proving the bound is the column's and not lower.
      const edge = await t.get(
        `/admin/audit-events?cursor=${encodeAuditCursor({ createdAt: '2025-01-01T00:00:00.000000Z', id: '9223372036854775807' })}`,
        admin,
      );
      expect(edge.status).toBe(200);
    });

    it('validates the filters', async () => {
      const bad = [
        ['userId=not-a-uuid', 'userId'],
        ['type=Login.Failed', 'type'],
        ['type=mfa-code', 'type'],
        [`type=${'a'.repeat(65)}`, 'type'],
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=2.5', 'limit'],
        ['from=yesterday', 'from'],
        ['from=2025-02-30', 'from'],
        ['from=2025-01-01T10:00:00', 'from'],
        ['to=2025-W01-1', 'to'],
        ['from=0000-01-01', 'from'],
        ['from=2025-02-01&to=2025-01-01', 'from'],
        ['from=2025-01-01&to=2025-01-01', 'from'],
        ['type=a&type=b', 'type'],
        ['userIds=x', 'userIds'],
      ];
      for (const [query, field] of bad) {
        const res = await t.get(`/admin/audit-events?${query}`, admin);
        expect({ query, status: res.status, code: res.body.code }).toEqual({
          query,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      // One message per field, naming the accepted forms.
      const once = await t.get('/admin/audit-events?from=yesterday', admin);
      expect(once.body.errors).toEqual([{ field: 'from', message: expect.stringContaining('ISO-8601') }]);
      const max = await t.get('/admin/audit-events?limit=200&from=2025-01-01T00:00:00.123456789%2B05:30', admin);
      expect(max.status).toBe(200);
    });
  });

  describe('GET /admin/mfa/stats', () => {
    function expected(from: string, to: string, dayList: string[]) {
      const within = ledger.filter((h) => h.day >= from && h.day < to);
      const count = (list: Happening[], outcome: Outcome) => list.filter((h) => h.outcome === outcome).length;
      const counts = (list: Happening[]) => ({
        sent: count(list, 'sent'),
        delivered: count(list, 'delivered'),
        failed: count(list, 'failed'),
        verified: count(list, 'verified'),
        failedAttempts: count(list, 'failedAttempts'),
        lockouts: count(list, 'lockouts'),
      });
      const countries = [...new Set(within.filter((h) => h.country).map((h) => h.country!))];
      return {
        totals: counts(within),
        byDay: dayList.map((day) => ({ day, ...counts(within.filter((h) => h.day === day)) })),
        byCountry: countries
          .map((country) => {
            const { sent, delivered, failed } = counts(within.filter((h) => h.country === country));
            return { country, sent, delivered, failed };
          })
          .sort((a, b) => b.sent - a.sent || a.country.localeCompare(b.country)),
      };
    }

    it('counts exactly what happened, in total, by day (empty days included) and by country', async () => {
      const to = utcDay(new Date(Date.parse(days[3]) + DAY_MS));
      const res = await t.get(`/admin/mfa/stats?from=${days[0]}&to=${to}`, admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        from: `${days[0]}T00:00:00.000Z`,
        to: `${to}T00:00:00.000Z`,
        ...expected(days[0], to, days),
        providers: [{ provider: 'vonage', breaker: 'closed', ...(({ sent, delivered, failed }) => ({ sent, delivered, failed }))(expected(days[0], to, days).totals) }],
        prefixesBlocked: 0,
      });
      // The story, spelled out once, so a mistake in the ledger cannot hide one in the service.
      expect(res.body.totals).toEqual({
        sent: 8,
        delivered: 3,
        failed: 1,
        verified: 7,
        failedAttempts: 6,
        lockouts: 1,
      });
      expect(res.body.byDay[2]).toEqual({
        day: days[2],
        sent: 0,
        delivered: 0,
        failed: 0,
        verified: 0,
        failedAttempts: 0,
        lockouts: 0,
      });
      expect(res.body.byCountry.map((c: { country: string }) => c.country)).toEqual(['FR', 'GB', 'DE']);
    });

    it('narrows to one day', async () => {
      const res = await t.get(`/admin/mfa/stats?from=${days[1]}&to=${days[2]}`, admin);
      expect(res.body).toMatchObject(expected(days[1], days[2], [days[1]]));
      expect(res.body.totals).toEqual({
        sent: 2,
        delivered: 0,
        failed: 1,
        verified: 1,
        failedAttempts: 5,
        lockouts: 1,
      });
    });

    it('defaults to the last 30 days', async () => {
      const now = t.clock.now();
      const res = await t.get('/admin/mfa/stats', admin);
      expect(res.status).toBe(200);
      expect(Date.parse(res.body.to) - now.getTime()).toBeGreaterThanOrEqual(0);
      expect(Date.parse(res.body.to) - now.getTime()).toBeLessThan(60_000);
      expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBe(30 * DAY_MS);
      // A window starting mid-day touches 31 UTC days.
      expect(res.body.byDay).toHaveLength(31);
      expect(res.body.byDay.at(-1).day).toBe(days[3]);
      const all = expected('0000', '9999', days);
      expect(res.body.totals).toEqual(all.totals);
      expect(res.body.byCountry).toEqual(all.byCountry);
    });

    it('accepts up to 366 days and refuses more, or an inverted window', async () => {
      expect((await t.get('/admin/mfa/stats?from=2024-01-01&to=2025-01-01', admin)).status).toBe(200);
      for (const query of [
        'from=2024-01-01&to=2025-01-01T00:00:00.001Z',
        'from=2025-02-01&to=2025-01-01',
        'from=2025-01-01&to=2025-01-01',
        'from=nope',
        'to=2025-13-01',
        'extra=1',
      ]) {
        const res = await t.get(`/admin/mfa/stats?${query}`, admin);
        expect({ query, status: res.status, code: res.body.code }).toEqual({
          query,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      // Only `from`, far enough back that the default `to` (now) makes the window too long.
      expect((await t.get('/admin/mfa/stats?from=2000-01-01', admin)).status).toBe(400);
    });
  });

  describe('access', () => {
    const routes = ['/admin/audit-events', '/admin/mfa/stats'];

    it('needs a token', async () => {
      for (const path of routes) {
        const res = await t.get(path);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    });

    it('refuses a user without the admin role with 403 FORBIDDEN, even at aal2', async () => {
      for (const path of routes) {
        const res = await t.get(path, plainAal2);
        expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
      }
    });

    it('asks an admin without a second factor to step up', async () => {
      for (const path of routes) {
        const res = await t.get(path, adminAal1);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 403,
          code: 'STEP_UP_REQUIRED',
        });
      }
    });
  });
});

describe('admin audit queries at scale (query plans)', () => {
  let t: TestApp;
  const plan = async (sql: string, params: unknown[]) => {
    const { rows } = await t.db.query(`EXPLAIN ${sql}`, params);
    return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
  };
  const page = { userId: null, type: null, from: null, to: null, after: null, limit: 50 };

  beforeAll(async () => {
    t = await startTestApp();
    // 200k events over about seven months and 2 000 users, with a live system's mix of types: mostly sign-ins, few failures.
    await t.db.query(`
      INSERT INTO audit_events (type, user_id, ip, metadata, created_at)
      SELECT CASE WHEN g % 1000 = 0 THEN 'mfa.challenge.locked'
                  WHEN g % 100 < 50 THEN 'login.succeeded'
                  WHEN g % 100 < 80 THEN 'session.refreshed'
                  WHEN g % 100 < 90 THEN 'mfa.code.sent'
                  WHEN g % 100 < 96 THEN 'mfa.code.verified'
                  WHEN g % 100 < 98 THEN 'login.failed'
                  WHEN g % 100 < 99 THEN 'mfa.code.failed'
                  ELSE 'logout' END,
             md5('user' || (g % 2000))::uuid, '203.0.113.7', jsonb_build_object('n', g),
             timestamptz '2025-01-01T00:00:00Z' + g * interval '90 seconds'
        FROM generate_series(1, 200000) AS g`);
    await t.db.query('ANALYZE audit_events');
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  it('reads one user through (user_id, created_at)', async () => {
    const { rows } = await t.db.query(`SELECT md5('user42')::uuid::text AS id`);
    const first = auditPageQuery({ ...page, userId: rows[0].id });
    const text = await plan(first.sql, first.params);
    expect(text).toContain('audit_events_user_id_created_at_idx');
    expect(text).not.toMatch(/Seq Scan on audit_events/);

    const windowed = auditPageQuery({
      ...page,
      userId: rows[0].id,
      from: new Date('2025-03-01'),
      to: new Date('2025-04-01'),
    });
    expect(await plan(windowed.sql, windowed.params)).toContain('audit_events_user_id_created_at_idx');
  });

  it('reads one type through (type, created_at)', async () => {
    for (const type of ['mfa.code.failed', 'mfa.challenge.locked']) {
      const first = auditPageQuery({ ...page, type });
      const text = await plan(first.sql, first.params);
      expect(text).toContain('audit_events_type_created_at_idx');
      expect(text).not.toMatch(/Seq Scan on audit_events/);
    }
    // Half the log is this type: walking (created_at) and skipping the rest is as good, and either is an index scan.
    const common = auditPageQuery({ ...page, type: 'login.succeeded' });
    const text = await plan(common.sql, common.params);
    expect(text).toMatch(/Index Scan( Backward)? using audit_events_(type_)?created_at_idx/);
    expect(text).not.toMatch(/Seq Scan on audit_events/);
  });

  it('reads the unfiltered first page, and a later one, through (created_at)', async () => {
    const first = auditPageQuery(page);
    const text = await plan(first.sql, first.params);
    expect(text).toContain('audit_events_created_at_idx');
    expect(text).not.toMatch(/Seq Scan on audit_events/);

    const later = auditPageQuery({ ...page, after: { createdAt: '2025-04-01T12:00:00.000000Z', id: '90000' } });
    const laterText = await plan(later.sql, later.params);
    expect(laterText).toContain('audit_events_created_at_idx');
    expect(laterText).not.toMatch(/Seq Scan on audit_events/);
  });

  it('counts the statistics of a window by reading only that window of the log', async () => {
    const text = await plan(ATTEMPT_STATS_SQL, [new Date('2025-05-01'), new Date('2025-05-31'), ...ATTEMPT_TYPES]);
    // Which of the two indexes depends on the share of MFA events in the window; both bound the read by the window.
    expect(text).toMatch(/Index Cond: .*created_at >= /);
    expect(text).toMatch(/using audit_events_(type_)?created_at_idx/);
    expect(text).not.toMatch(/Seq Scan on audit_events/);
  });

  it('serves pages of the large log over HTTP, following the cursor', async () => {
    const { accessToken } = await adminAccessToken(t, 'admin@example.com');
    const first = await t.get('/admin/audit-events?limit=200', accessToken);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(200);
    const second = await t.get(`/admin/audit-events?limit=200&cursor=${first.body.nextCursor}`, accessToken);
    expect(Number(second.body.items[0].id)).toBe(Number(first.body.items[199].id) - 1);
  });
});
