import { decodeJwt } from 'jose';
import { aal2Session, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

const PASSWORD = 'correct horse battery';
/** Three groups of four Crockford Base32 symbols: 12 × log2(32) = 60 bits (security.md asks for at least 50). */
const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

describe('recovery codes', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** A fresh aal2 session, from a login completed with the user's SMS factor. */
  const freshAal2 = async (user: { email: string; phone: string }) => (await aal2Session(t, user)).accessToken;

  async function userWithCodes(email: string) {
    const user = await userWithSms(t, email);
    const token = await freshAal2(user);
    const generated = await t.post('/me/mfa/recovery-codes', undefined, token);
    expect(generated.status).toBe(201);
    return { ...user, token, codes: generated.body.codes as string[] };
  }

  async function loginToMfa(
    email: string,
  ): Promise<{ mfaToken: string; factors: Array<{ id: string; type: string; label: string }> }> {
    const login = await t.post('/auth/login', { email, password: PASSWORD });
    expect(login.body.status).toBe('mfa_required');
    return login.body;
  }

  const useCode = async (email: string, code: string) =>
    t.post('/auth/mfa/verify', { type: 'recovery_code', code }, (await loginToMfa(email)).mfaToken);

  const recoveryFactors = async (token: string) =>
    ((await t.get('/me/mfa/factors', token)).body as Array<{ type: string }>).filter((f) => f.type === 'recovery_code');

  it('generating needs a fresh aal2 session once a factor is active, and a factor to recover', async () => {
    const user = await userWithSms(t, 'stepup@example.com');
    const refused = await t.post('/me/mfa/recovery-codes', undefined, user.accessToken);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('STEP_UP_REQUIRED');

    const reg = await t.post('/auth/register', { email: 'nofactor@example.com', password: PASSWORD });
    expect(reg.status).toBe(201);
    const login = await t.post('/auth/login', { email: 'nofactor@example.com', password: PASSWORD });
    const alone = await t.post('/me/mfa/recovery-codes', undefined, login.body.accessToken);
    expect(alone.status).toBe(409);
    expect(alone.body.code).toBe('CONFLICT');
  });

  it('gives ten distinct codes of 60 bits, shown once and listed with the count left', async () => {
    const user = await userWithSms(t, 'ten@example.com');
    const token = await freshAal2(user);
    const generated = await t.post('/me/mfa/recovery-codes', undefined, token);
    expect(generated.status).toBe(201);
    expect(generated.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(generated.body)).toEqual(['codes']);
    const codes: string[] = generated.body.codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(CODE_FORMAT);

    expect(await recoveryFactors(token)).toEqual([
      expect.objectContaining({ type: 'recovery_code', status: 'active', label: 'Recovery codes (10 left)' }),
    ]);
    const { rows } = await t.db.query(
      `SELECT type, metadata FROM audit_events WHERE user_id = $1 AND type = 'mfa.recovery_codes.generated'`,
      [user.userId],
    );
    expect(rows).toEqual([
      {
        type: 'mfa.recovery_codes.generated',
        metadata: expect.objectContaining({ count: 10, replacedEarlierSet: false }),
      },
    ]);
  });

  it('each code completes a login once, with amr mfa', async () => {
    const user = await userWithCodes('once@example.com');
    const login = await loginToMfa(user.email);
    expect(login.factors.map((f) => f.type)).toEqual(['sms', 'recovery_code']);
    expect(login.factors[1]!.label).toBe('Recovery codes (10 left)');

    const first = await t.post('/auth/mfa/verify', { type: 'recovery_code', code: user.codes[0] }, login.mfaToken);
    expect(first.status).toBe(200);
    expect(decodeJwt(first.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'mfa'] });
    const { rows } = await t.db.query(
      `SELECT metadata FROM audit_events WHERE user_id = $1 AND type = 'mfa.recovery_code.used'`,
      [user.userId],
    );
    expect(rows).toEqual([{ metadata: expect.objectContaining({ remaining: 9 }) }]);
    expect(await recoveryFactors(first.body.accessToken)).toEqual([
      expect.objectContaining({ label: 'Recovery codes (9 left)', lastUsedAt: expect.any(String) }),
    ]);

    const again = await useCode(user.email, user.codes[0]!);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('MFA_INVALID_CODE');

    // Typed back from paper: case, spaces and dashes do not matter.
    const typed = await useCode(user.email, ` ${user.codes[1]!.toLowerCase().replace(/-/g, ' ')} `);
    expect(typed.status).toBe(200);

    for (const code of user.codes.slice(2)) {
      const res = await useCode(user.email, code);
      expect({ code, status: res.status }).toEqual({ code, status: 200 });
    }
    for (const code of [user.codes[1]!, user.codes[9]!]) {
      const res = await useCode(user.email, code);
      expect({ code, status: res.status, problem: res.body.code }).toEqual({
        code,
        status: 401,
        problem: 'MFA_INVALID_CODE',
      });
    }
    expect(await recoveryFactors(user.token)).toEqual([expect.objectContaining({ label: 'Recovery codes (0 left)' })]);
    const failures = await t.db.query(
      `SELECT count(*)::int AS n FROM mfa_failures WHERE user_id = $1 AND factor_type = 'recovery_code'`,
      [user.userId],
    );
    expect(failures.rows[0].n).toBe(3);
  });

  it('of 10 parallel uses of one code in 10 logins exactly one succeeds', async () => {
    const user = await userWithCodes('race@example.com');
    const tokens: string[] = [];
    for (let i = 0; i < 10; i++) tokens.push((await loginToMfa(user.email)).mfaToken);
    const results = await Promise.all(
      tokens.map((token) => t.post('/auth/mfa/verify', { type: 'recovery_code', code: user.codes[0] }, token)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401 && r.body.code === 'MFA_INVALID_CODE')).toHaveLength(9);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND 'mfa' = ANY(amr)`,
      [user.userId],
    );
    expect(rows[0].n).toBe(1);
    expect(await recoveryFactors(user.token)).toEqual([expect.objectContaining({ label: 'Recovery codes (9 left)' })]);
  });

  it('a new set replaces the old one', async () => {
    const user = await userWithCodes('again@example.com');
    const second = await t.post('/me/mfa/recovery-codes', undefined, user.token);
    expect(second.status).toBe(201);
    const fresh: string[] = second.body.codes;
    expect(fresh.filter((c) => user.codes.includes(c))).toEqual([]);
    expect(await recoveryFactors(user.token)).toEqual([expect.objectContaining({ label: 'Recovery codes (10 left)' })]);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM recovery_codes c JOIN mfa_factors f ON f.id = c.factor_id WHERE f.user_id = $1`,
      [user.userId],
    );
    expect(rows[0].n).toBe(10);

    const old = await useCode(user.email, user.codes[0]!);
    expect(old.status).toBe(401);
    expect(old.body.code).toBe('MFA_INVALID_CODE');
    const current = await useCode(user.email, fresh[0]!);
    expect(current.status).toBe(200);
  });

  it('with recovery codes as the only factor left, a login asks for no second factor', async () => {
    const user = await userWithCodes('only@example.com');
    await t.db.query(`DELETE FROM mfa_factors WHERE id = $1`, [user.factorId]);
    const login = await t.post('/auth/login', { email: user.email, password: PASSWORD });
    expect(login.body.status).toBe('authenticated');
  });

  it('stores the codes only as keyed hashes', async () => {
    const user = await userWithCodes('hashed@example.com');
    const { rows } = await t.db.query(
      `SELECT c.code_hash FROM recovery_codes c JOIN mfa_factors f ON f.id = c.factor_id WHERE f.user_id = $1`,
      [user.userId],
    );
    expect(rows).toHaveLength(10);
    const { rows: columns } = await t.db.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`,
    );
    const dump: string[] = [];
    for (const { table_name, column_name } of columns) {
      const { rows: values } = await t.db.query(
        `SELECT "${column_name}"::text AS v FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`,
      );
      for (const r of values) dump.push(`${table_name}.${column_name}=${r.v}`.toUpperCase());
    }
    const all = dump.join('\n');
    expect(all).toContain('RECOVERY_CODES.CODE_HASH=');
    for (const code of user.codes) {
      for (const form of [code, code.replace(/-/g, '')])
        expect({ form, found: all.includes(form) }).toEqual({ form, found: false });
    }
  });
});
