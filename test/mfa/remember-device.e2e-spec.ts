import { decodeJwt } from 'jose';
import { adminAccessToken } from '../support/admin-session.js';
import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { aal2Session, loginToChallenge, nextPhone, userWithSms } from '../support/sms-test-app.js';

const PASSWORD = 'correct horse battery';
const WEEK = 7 * 86_400;

/** Remember this device: a device token stands in for the second factor at login, until something ends the trust. */
describe('remembered devices', () => {
  let t: EmailTestApp;
  let base: Record<string, any>;
  let advanced = 0;

  beforeAll(async () => {
    t = await startEmailTestApp();
    const admin = await adminAccessToken(t, 'devices-admin@example.com');
    const { version: _version, ...document } = (await t.get('/admin/mfa/policy', admin.accessToken)).body;
    base = document;
    await setMaxAge(WEEK);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    t.clock.advance(-advanced);
    advanced = 0;
    await setMaxAge(WEEK);
  });

  const advance = (seconds: number) => {
    t.clock.advance(seconds);
    advanced += seconds;
  };
  async function setMaxAge(seconds: number) {
    const admin = await adminAccessToken(t, 'devices-admin@example.com');
    const res = await t.request('PUT', '/admin/mfa/policy', { body: { ...base, rememberDeviceMaxAgeSeconds: seconds }, token: admin.accessToken });
    expect(res.status).toBe(200);
  }
  /** A login completed with SMS that asks to remember the device. */
  async function trustDevice(user: { email: string; phone: string }) {
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const res = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone), rememberDevice: true }, mfaToken);
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; deviceToken: string };
  }
  const loginWith = (email: string, deviceToken: string) => t.post('/auth/login', { email, password: PASSWORD, deviceToken });

  it('a trusted device logs in without a second factor; amr and the audit log say a remembered device was used', async () => {
    const user = await userWithSms(t, 'trusted@example.com');
    const trusted = await trustDevice(user);
    expect(trusted.deviceToken).toMatch(/^dt_[A-Za-z0-9_-]{43}$/);
    const sent = t.vonage.messages.length;

    const login = await loginWith(user.email, trusted.deviceToken);
    expect(login.body.status).toBe('authenticated');
    expect(t.vonage.messages.length).toBe(sent);
    const claims = decodeJwt(login.body.accessToken);
    expect(claims).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms', 'rmd'] });
    const { rows } = await t.db.query(`SELECT metadata FROM audit_events WHERE user_id = $1 AND type = 'login.succeeded' ORDER BY id DESC LIMIT 1`, [user.userId]);
    expect(rows[0].metadata).toMatchObject({ amr: ['pwd', 'sms', 'rmd'], rememberedDeviceId: expect.any(String) });

    // Stored only as a keyed hash.
    const stored = await t.db.query(`SELECT t::text AS row FROM trusted_devices t WHERE user_id = $1`, [user.userId]);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].row).not.toContain(trusted.deviceToken.slice(3));

    // Listed without the token, and forgotten on request.
    const list = await t.get('/me/devices', login.body.accessToken);
    expect(list.body).toEqual([{ id: expect.any(String), label: expect.any(String), createdAt: expect.any(String), expiresAt: expect.any(String), lastUsedAt: expect.any(String) }]);
    expect(JSON.stringify(list.body)).not.toContain(trusted.deviceToken);
    expect((await t.request('DELETE', `/me/devices/${list.body[0].id}`, { token: login.body.accessToken })).status).toBe(204);
    expect((await loginWith(user.email, trusted.deviceToken)).body.status).toBe('mfa_required');
    expect((await t.request('DELETE', `/me/devices/${list.body[0].id}`, { token: login.body.accessToken })).status).toBe(404);
  });

  it('a stolen device token is refused on another user, after expiry, and in a malformed shape', async () => {
    const owner = await userWithSms(t, 'owner@example.com');
    const thief = await userWithSms(t, 'thief@example.com');
    const { deviceToken } = await trustDevice(owner);
    expect((await loginWith(thief.email, deviceToken)).body.status).toBe('mfa_required');
    for (const bad of ['', 'dt_', 'x'.repeat(100), `${deviceToken}x`]) {
      const res = await loginWith(owner.email, bad);
      expect({ bad, status: res.body.status }).toEqual({ bad, status: 'mfa_required' });
    }
    expect((await t.post('/auth/login', { email: owner.email, password: PASSWORD, deviceToken: 'x'.repeat(101) })).status).toBe(400);
    expect((await loginWith(owner.email, deviceToken)).body.status).toBe('authenticated');
    advance(WEEK);
    expect((await loginWith(owner.email, deviceToken)).body.status).toBe('mfa_required');
  });

  it('after a phone change, a factor removal or an MFA reset, the same device is asked again', async () => {
    const phoneUser = await userWithSms(t, 'phone-change@example.com');
    const phoneTrust = await trustDevice(phoneUser);
    const session = await aal2Session(t, phoneUser);
    const phoneB = nextPhone();
    const enrol = await t.post('/me/mfa/factors/sms', { phone: phoneB }, session.accessToken);
    const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.lastCode(phoneB) }, session.accessToken);
    expect(activated.status).toBe(200);
    expect((await loginWith(phoneUser.email, phoneTrust.deviceToken)).body.status).toBe('mfa_required');

    const removeUser = await userWithSms(t, 'factor-removal@example.com');
    const removeTrust = await trustDevice(removeUser);
    const fresh = await aal2Session(t, removeUser);
    const totp = await t.post('/me/mfa/factors/totp', {}, fresh.accessToken);
    expect(totp.status).toBe(201);
    // A pending factor removed: still a factor change that ends every trust.
    expect((await t.request('DELETE', `/me/mfa/factors/${totp.body.factorId}`, { token: fresh.accessToken })).status).toBe(204);
    expect((await loginWith(removeUser.email, removeTrust.deviceToken)).body.status).toBe('mfa_required');

    const resetUser = await userWithSms(t, 'reset@example.com');
    const resetTrust = await trustDevice(resetUser);
    // An admin, so that the login after the reset must enrol again rather than being let in on the password.
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [resetUser.userId]);
    const admin = await adminAccessToken(t, 'devices-admin@example.com');
    expect((await t.post(`/admin/users/${resetUser.userId}/mfa/reset`, {}, admin.accessToken)).status).toBe(204);
    expect((await loginWith(resetUser.email, resetTrust.deviceToken)).body.status).toBe('mfa_enrollment_required');
    const { rows } = await t.db.query(`SELECT revoked_reason FROM trusted_devices WHERE user_id = ANY($1) ORDER BY revoked_reason`, [
      [phoneUser.userId, removeUser.userId, resetUser.userId],
    ]);
    expect(rows.map((r) => r.revoked_reason)).toEqual(['factor_removed', 'mfa_reset', 'phone_changed']);
  });

  it('after a password change or a password reset, the same device is asked again', async () => {
    const changed = await userWithSms(t, 'password-change@example.com');
    const first = await trustDevice(changed);
    const change = await t.post('/me/password', { currentPassword: PASSWORD, newPassword: 'another passphrase 8' }, first.accessToken);
    expect(change.status).toBe(204);
    expect((await t.post('/auth/login', { email: changed.email, password: 'another passphrase 8', deviceToken: first.deviceToken })).body.status).toBe('mfa_required');

    const reset = await userWithSms(t, 'password-reset@example.com');
    const second = await trustDevice(reset);
    expect((await t.post('/auth/password/forgot', { email: reset.email })).status).toBe(202);
    await t.deliverMail();
    const token = t.smtp.lastTokenTo(reset.email);
    expect((await t.post('/auth/password/reset', { token, password: 'a reset passphrase 9' })).status).toBe(204);
    expect((await t.post('/auth/login', { email: reset.email, password: 'a reset passphrase 9', deviceToken: second.deviceToken })).body.status).toBe('mfa_required');
  });

  it('an admin can revoke a device, and a shorter maximum age in the policy ends older trusts', async () => {
    const user = await userWithSms(t, 'admin-revoke@example.com');
    const first = await trustDevice(user);
    const admin = await adminAccessToken(t, 'devices-admin@example.com');
    const { rows } = await t.db.query(`SELECT id FROM trusted_devices WHERE user_id = $1`, [user.userId]);
    expect((await t.request('DELETE', `/admin/users/${user.userId}/devices/${rows[0].id}`, { token: admin.accessToken })).status).toBe(204);
    expect((await loginWith(user.email, first.deviceToken)).body.status).toBe('mfa_required');
    const audit = await t.db.query(`SELECT actor_id FROM audit_events WHERE user_id = $1 AND type = 'mfa.device.revoked'`, [user.userId]);
    expect(audit.rows).toEqual([{ actor_id: admin.userId }]);

    const second = await trustDevice(user);
    advance(2 * 86_400);
    await setMaxAge(86_400);
    expect((await loginWith(user.email, second.deviceToken)).body.status).toBe('mfa_required');
    // Remembering off: verify hands out no token.
    await setMaxAge(0);
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const res = await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: t.lastCode(user.phone), rememberDevice: true }, mfaToken);
    expect(res.status).toBe(200);
    expect(res.body.deviceToken).toBeUndefined();
  });

  it('10 parallel logins with one device token all succeed, and none gets a fresh second factor: step-up still asks', async () => {
    const user = await userWithSms(t, 'parallel@example.com');
    const { deviceToken } = await trustDevice(user);
    advance(base.stepUpMaxAgeSeconds + 1);
    // Two waves of five at once: the per-account password budget (NIST SP 800-63B §5.2.2) reserves
    // five attempts before the password is checked and answers 429 to more, device token or not.
    const logins = [];
    for (let wave = 0; wave < 2; wave++) logins.push(...(await Promise.all(Array.from({ length: 5 }, () => loginWith(user.email, deviceToken)))));
    expect(logins.map((l) => l.body.status)).toEqual(Array(10).fill('authenticated'));
    const { rows } = await t.db.query(`SELECT created_at FROM trusted_devices WHERE user_id = $1`, [user.userId]);
    for (const login of logins) {
      const claims = decodeJwt(login.body.accessToken);
      expect(claims).toMatchObject({ aal: 'aal2', amr: ['pwd', 'sms', 'rmd'] });
      // The authentication time is that of the factor completed when the device was trusted.
      expect(claims.auth_time).toBe(Math.floor(new Date(rows[0].created_at).getTime() / 1000));
    }
    const change = await t.post('/me/mfa/factors/totp', {}, logins[0].body.accessToken);
    expect({ status: change.status, code: change.body.code }).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    const stepUp = await t.post('/auth/step-up', {}, logins[1].body.accessToken);
    expect(stepUp.status).toBe(200);
    expect(stepUp.body.factors.map((f: { type: string }) => f.type)).toEqual(['sms']);
  });
});
