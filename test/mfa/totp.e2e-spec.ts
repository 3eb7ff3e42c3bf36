import { decodeJwt } from 'jose';
import * as OTPAuth from 'otpauth';
import { SecretsService } from '../../src/common/crypto/secrets.service.js';
import { base32Decode } from '../../src/mfa/factors/totp/totp.js';
import {
  aal2Session,
  loginToChallenge,
  startSmsTestApp,
  userWithSms,
  type SmsTestApp,
} from '../support/sms-test-app.js';

const PASSWORD = 'correct horse battery';

/**
 * Codes come from otpauth, an RFC 6238 implementation from the npm registry
 * independent of the otplib code the factor runs on, at the app's (fake) time:
 * the suite never has our own code checking itself.
 */
function authenticatorCode(secret: string, at: Date): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), timestamp: at.getTime() });
}

describe('TOTP authenticator apps (RFC 6238)', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const codeNow = (secret: string, offsetSeconds = 0) =>
    authenticatorCode(secret, new Date(t.clock.now().getTime() + offsetSeconds * 1000));

  /** A code computed now must still be of the same step when the app checks it: stay clear of a step's last seconds. */
  const settleInStep = () => {
    const into = (t.clock.now().getTime() / 1000) % 30;
    if (into > 25) t.clock.advance(30 - into + 1);
  };

  /** A fresh aal2 session, from a login completed with the user's SMS factor. */
  const freshAal2 = async (user: { email: string; phone: string }) => (await aal2Session(t, user)).accessToken;

  async function userWithTotp(email: string) {
    const user = await userWithSms(t, email);
    const token = await freshAal2(user);
    const enrol = await t.post('/me/mfa/factors/totp', {}, token);
    expect(enrol.status).toBe(201);
    const activated = await t.post(
      `/me/mfa/factors/${enrol.body.factorId}/activate`,
      { code: codeNow(enrol.body.secret) },
      token,
    );
    expect(activated.status).toBe(200);
    // Activation spent the current step; the next code accepted is from a later one (RFC 6238 §5.2).
    t.clock.advance(30);
    return { ...user, totpFactorId: enrol.body.factorId as string, secret: enrol.body.secret as string };
  }

  async function loginToMfa(
    email: string,
  ): Promise<{ mfaToken: string; factors: Array<{ id: string; type: string; label: string }> }> {
    const login = await t.post('/auth/login', { email, password: PASSWORD });
    expect(login.body.status).toBe('mfa_required');
    return login.body;
  }

  const auditCount = async (userId: string, type: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = $2`, [userId, type]))
      .rows[0].n as number;

  it('enrolling an app once an SMS factor is active needs a fresh aal2 session', async () => {
    const user = await userWithSms(t, 'stepup@example.com');
    const refused = await t.post('/me/mfa/factors/totp', {}, user.accessToken);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('STEP_UP_REQUIRED');
    expect(
      (
        await t.db.query(`SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = $1 AND type = 'totp'`, [
          user.userId,
        ])
      ).rows[0].n,
    ).toBe(0);

    const allowed = await t.post('/me/mfa/factors/totp', {}, await freshAal2(user));
    expect(allowed.status).toBe(201);
  });

  it('a secret fed to an independent authenticator activates the factor, and its codes complete a login with amr otp', async () => {
    const user = await userWithSms(t, 'app@example.com');
    const token = await freshAal2(user);

    const enrol = await t.post('/me/mfa/factors/totp', { label: 'Work phone' }, token);
    expect(enrol.status).toBe(201);
    expect(enrol.headers.get('cache-control')).toBe('no-store');
    expect(enrol.body).toEqual({
      factorId: expect.any(String),
      label: 'Work phone',
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauthUri: expect.any(String),
      qrSvg: expect.stringContaining('<svg'),
      status: 'pending',
    });
    const { factorId, secret } = enrol.body;
    const uri = new URL(enrol.body.otpauthUri);
    expect(`${uri.protocol}//${uri.host}${decodeURIComponent(uri.pathname)}`).toBe(
      'otpauth://totp/Sesame:app@example.com',
    );
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret,
      issuer: 'Sesame',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });

    const listed = await t.get('/me/mfa/factors', token);
    expect(listed.body).toContainEqual(
      expect.objectContaining({ id: factorId, type: 'totp', label: 'Work phone', status: 'pending' }),
    );
    // A pending app cannot complete a login.
    expect((await loginToMfa(user.email)).factors.map((f) => f.type)).toEqual(['sms']);

    const right = codeNow(secret);
    const wrong = await t.post(
      `/me/mfa/factors/${factorId}/activate`,
      { code: right === '000000' ? '111111' : '000000' },
      token,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('MFA_INVALID_CODE');

    const activated = await t.post(`/me/mfa/factors/${factorId}/activate`, { code: right }, token);
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ id: factorId, type: 'totp', status: 'active' });

    expect((await t.post('/auth/logout', undefined, token)).status).toBe(204);
    t.clock.advance(30);

    const login = await loginToMfa(user.email);
    expect(login.factors).toEqual([
      { id: user.factorId, type: 'sms', label: expect.any(String) },
      { id: factorId, type: 'totp', label: 'Work phone' },
    ]);
    const code = codeNow(secret);
    const verified = await t.post('/auth/mfa/verify', { factorId, code }, login.mfaToken);
    expect(verified.status).toBe(200);
    expect(decodeJwt(verified.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'otp'] });

    // The same code in another login: its step was used, so it is refused and the replay audited.
    const again = await loginToMfa(user.email);
    const replayed = await t.post('/auth/mfa/verify', { factorId, code }, again.mfaToken);
    expect(replayed.status).toBe(401);
    expect(replayed.body.code).toBe('MFA_INVALID_CODE');
    expect(await auditCount(user.userId, 'mfa.totp.replayed')).toBe(1);
    const { rows } = await t.db.query(
      `SELECT metadata FROM audit_events WHERE user_id = $1 AND type = 'mfa.totp.replayed'`,
      [user.userId],
    );
    expect(rows[0].metadata).toEqual({ factorType: 'totp', factorId });

    // The next step's code is fine.
    t.clock.advance(30);
    const next = await t.post('/auth/mfa/verify', { factorId, code: codeNow(secret) }, again.mfaToken);
    expect(next.status).toBe(200);
  });

  it('refuses a code from two steps away, either way', async () => {
    const user = await userWithTotp('drift@example.com');
    // One more step, so that the step before the current one was never used either.
    t.clock.advance(30);
    settleInStep();
    const { mfaToken } = await loginToMfa(user.email);
    for (const offset of [-60, 60]) {
      const res = await t.post(
        '/auth/mfa/verify',
        { factorId: user.totpFactorId, code: codeNow(user.secret, offset) },
        mfaToken,
      );
      expect({ offset, status: res.status, code: res.body.code }).toEqual({
        offset,
        status: 401,
        code: 'MFA_INVALID_CODE',
      });
    }
    // One step of drift is tolerated (RFC 6238 §5.2).
    const late = await t.post(
      '/auth/mfa/verify',
      { factorId: user.totpFactorId, code: codeNow(user.secret, -30) },
      mfaToken,
    );
    expect(late.status).toBe(200);
    expect(await auditCount(user.userId, 'mfa.code.failed')).toBe(2);
  });

  it('of 10 parallel verifies of one code in 10 logins exactly one succeeds', async () => {
    const user = await userWithTotp('race@example.com');
    const tokens: string[] = [];
    for (let i = 0; i < 10; i++) tokens.push((await loginToMfa(user.email)).mfaToken);
    const code = codeNow(user.secret);
    const results = await Promise.all(
      tokens.map((token) => t.post('/auth/mfa/verify', { factorId: user.totpFactorId, code }, token)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401 && r.body.code === 'MFA_INVALID_CODE')).toHaveLength(9);
    expect(await auditCount(user.userId, 'mfa.totp.replayed')).toBe(9);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND 'otp' = ANY(amr)`,
      [user.userId],
    );
    expect(rows[0].n).toBe(1);
  });

  it('the SMS factor still completes a login beside the app', async () => {
    const user = await userWithTotp('both@example.com');
    const { mfaToken, login, challenge } = await loginToChallenge(t, user.email);
    expect(login.factors.map((f: { type: string }) => f.type)).toEqual(['sms', 'totp']);
    const done = await t.post(
      '/auth/mfa/verify',
      { challengeId: challenge.challengeId, code: t.lastCode(user.phone) },
      mfaToken,
    );
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms'] });
  });

  it('verifying needs the factor, and only an active app of the caller will do', async () => {
    const user = await userWithTotp('which@example.com');
    const other = await userWithTotp('other@example.com');
    const { mfaToken } = await loginToMfa(user.email);
    const missing = await t.post('/auth/mfa/verify', { type: 'totp', code: codeNow(user.secret) }, mfaToken);
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('VALIDATION_FAILED');
    const foreign = await t.post(
      '/auth/mfa/verify',
      { factorId: other.totpFactorId, code: codeNow(other.secret) },
      mfaToken,
    );
    expect(foreign.status).toBe(404);
    const sms = await t.post(
      '/auth/mfa/verify',
      { type: 'totp', factorId: user.factorId, code: codeNow(user.secret) },
      mfaToken,
    );
    expect(sms.status).toBe(404);
  });

  it('stores the secret only sealed (AES-256-GCM, bound to its factor)', async () => {
    const user = await userWithTotp('sealed@example.com');
    const { rows } = await t.db.query(`SELECT * FROM totp_secrets WHERE factor_id = $1`, [user.totpFactorId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      algorithm: 'SHA1',
      digits: 6,
      period_seconds: 30,
      last_used_step: expect.any(String),
    });
    const sealed: string = rows[0].secret_ciphertext;
    expect(sealed).toMatch(/^v1\./);
    const secrets = t.app.get(SecretsService);
    expect(secrets.open(sealed, `totp:${user.totpFactorId}`)).toBe(user.secret);
    expect(() => secrets.open(sealed, `totp:${user.factorId}`)).toThrow();

    const { rows: columns } = await t.db.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`,
    );
    const dump: string[] = [];
    for (const { table_name, column_name } of columns) {
      const { rows: values } = await t.db.query(
        `SELECT "${column_name}"::text AS v FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`,
      );
      for (const r of values) dump.push(`${table_name}.${column_name}=${r.v}`);
    }
    const all = dump.join('\n');
    expect(all).toContain('totp_secrets.secret_ciphertext=v1.');
    const raw = base32Decode(user.secret);
    for (const form of [
      user.secret,
      user.secret.toLowerCase(),
      raw.toString('hex'),
      raw.toString('base64'),
      raw.toString('base64url'),
    ]) {
      expect({ form, found: all.includes(form) }).toEqual({ form, found: false });
    }
  });

  it('an app can be the first factor, set up with the enrolment token', async () => {
    const reg = await t.post('/auth/register', { email: 'first@example.com', password: PASSWORD });
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [reg.body.id]);
    const login = await t.post('/auth/login', { email: 'first@example.com', password: PASSWORD });
    expect(login.body.status).toBe('mfa_enrollment_required');

    const enrol = await t.post('/me/mfa/factors/totp', {}, login.body.mfaToken);
    expect(enrol.status).toBe(201);
    expect(enrol.body.label).toBe('Authenticator app');
    const activated = await t.post(
      `/me/mfa/factors/${enrol.body.factorId}/activate`,
      { code: codeNow(enrol.body.secret) },
      login.body.mfaToken,
    );
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'active', accessToken: expect.any(String) });
    expect(decodeJwt(activated.body.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'otp'], roles: ['admin'] });
  });
});
