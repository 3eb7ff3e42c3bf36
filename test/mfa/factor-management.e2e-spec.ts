import { decodeJwt } from 'jose';
import { aal2Session, nextPhone, startSmsTestApp, userWithSms, type SmsTestApp } from '../support/sms-test-app.js';

async function stepUp(t: SmsTestApp, accessToken: string, factorId: string, phone: string) {
  const start = await t.post('/auth/step-up', undefined, accessToken);
  const challenge = await t.post('/auth/mfa/challenges', { factorId }, start.body.mfaToken);
  const res = await t.post('/auth/mfa/verify', { challengeId: challenge.body.challengeId, code: t.lastCode(phone) }, start.body.mfaToken);
  if (res.status !== 200) throw new Error(`step-up: ${res.text}`);
  return res.body as { accessToken: string; refreshToken: string };
}

describe('managing factors', () => {
  let t: SmsTestApp;
  beforeAll(async () => {
    t = await startSmsTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('deleting a factor needs a fresh second factor; afterwards the other sessions are signed out', async () => {
    const user = await userWithSms(t, 'deleter@example.com');
    // A second phone, added from a fresh aal2 session.
    const phoneB = nextPhone();
    let session = await aal2Session(t, user);
    const enrolB = await t.post('/me/mfa/factors/sms', { phone: phoneB }, session.accessToken);
    expect(enrolB.status).toBe(201);
    await t.post(`/me/mfa/factors/${enrolB.body.factorId}/activate`, { challengeId: enrolB.body.challengeId, code: t.lastCode(phoneB) }, session.accessToken);

    const other = await aal2Session(t, user); // another device
    session = await aal2Session(t, user);

    // Sixteen minutes later the session is too old for a factor change (the refresh keeps auth_time).
    t.clock.advance(16 * 60);
    const refreshed = await t.post('/auth/refresh', { refreshToken: session.refreshToken });
    const stale = await t.request('DELETE', `/me/mfa/factors/${enrolB.body.factorId}`, { token: refreshed.body.accessToken });
    expect(stale.status).toBe(403);
    expect(stale.body.code).toBe('STEP_UP_REQUIRED');

    const fresh = await stepUp(t, refreshed.body.accessToken, user.factorId, user.phone);
    expect(decodeJwt(fresh.accessToken).sid).toBe(decodeJwt(refreshed.body.accessToken).sid);
    const otherRefreshed = await t.post('/auth/refresh', { refreshToken: other.refreshToken });
    expect(otherRefreshed.status).toBe(200);

    const removed = await t.request('DELETE', `/me/mfa/factors/${enrolB.body.factorId}`, { token: fresh.accessToken });
    expect(removed.status).toBe(204);
    const list = await t.get('/me/mfa/factors', fresh.accessToken);
    expect(list.body.map((f: { id: string }) => f.id)).toEqual([user.factorId]);

    // This session lives on; the other device is signed out.
    expect((await t.get('/auth/me', fresh.accessToken)).status).toBe(200);
    expect((await t.post('/auth/refresh', { refreshToken: otherRefreshed.body.refreshToken })).status).toBe(401);
    expect((await t.get('/auth/me', otherRefreshed.body.accessToken)).status).toBe(401);
    const { rows } = await t.db.query(`SELECT type, metadata FROM audit_events WHERE user_id = $1 AND type IN ('mfa.factor.removed', 'session.revoked')`, [user.userId]);
    expect(rows.filter((r) => r.type === 'mfa.factor.removed')).toHaveLength(1);
    expect(rows.filter((r) => r.type === 'session.revoked').map((r) => r.metadata.reason)).toContain('factor_removed');
    t.clock.advance(-16 * 60);
  });

  it('refuses to delete the last factor while the policy requires MFA for the user', async () => {
    const user = await userWithSms(t, 'last-admin@example.com');
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [user.userId]);
    const session = await aal2Session(t, user);
    const res = await t.request('DELETE', `/me/mfa/factors/${user.factorId}`, { token: session.accessToken });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
    expect((await t.get('/me/mfa/factors', session.accessToken)).body).toHaveLength(1);
  });

  it('an optional-MFA user may remove their only factor, and then logs in with a password alone', async () => {
    const user = await userWithSms(t, 'optional@example.com');
    const session = await aal2Session(t, user);
    expect((await t.request('DELETE', `/me/mfa/factors/${user.factorId}`, { token: session.accessToken })).status).toBe(204);
    const login = await t.post('/auth/login', { email: user.email, password: 'correct horse battery' });
    expect(login.body.status).toBe('authenticated');
  });

  it("another user's factor cannot be deleted or renamed", async () => {
    const a = await userWithSms(t, 'owner-a@example.com');
    const b = await userWithSms(t, 'owner-b@example.com');
    const session = await aal2Session(t, a);
    expect((await t.request('DELETE', `/me/mfa/factors/${b.factorId}`, { token: session.accessToken })).status).toBe(404);
    expect((await t.request('PATCH', `/me/mfa/factors/${b.factorId}`, { body: { label: 'mine' }, token: session.accessToken })).status).toBe(404);
    expect((await t.request('DELETE', '/me/mfa/factors/not-a-uuid', { token: session.accessToken })).status).toBe(404);
  });

  it('a new phone tells the old number and signs out the other sessions', async () => {
    const user = await userWithSms(t, 'mover@example.com');
    const other = await aal2Session(t, user);
    const session = await aal2Session(t, user);
    const newPhone = nextPhone();
    const enrol = await t.post('/me/mfa/factors/sms', { phone: newPhone }, session.accessToken);
    const before = t.vonage.messages.filter((m) => m.to === user.phone.slice(1)).length;
    const activated = await t.post(`/me/mfa/factors/${enrol.body.factorId}/activate`, { challengeId: enrol.body.challengeId, code: t.lastCode(newPhone) }, session.accessToken);
    expect(activated.status).toBe(200);

    const toOld = t.vonage.messages.filter((m) => m.to === user.phone.slice(1));
    expect(toOld).toHaveLength(before + 1);
    const notice = toOld[toOld.length - 1];
    expect(notice.text).toMatch(/Sesame/);
    expect(notice.text).not.toMatch(/\d{6}/); // a notice, never a code
    expect((await t.post('/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(401);
    expect((await t.get('/auth/me', session.accessToken)).status).toBe(200);
  });

  it('an SMS factor keeps its masked number as its name', async () => {
    const user = await userWithSms(t, 'renamer@example.com');
    const session = await aal2Session(t, user);
    const res = await t.request('PATCH', `/me/mfa/factors/${user.factorId}`, { body: { label: 'My phone' }, token: session.accessToken });
    expect(res.status).toBe(409);
  });
});
