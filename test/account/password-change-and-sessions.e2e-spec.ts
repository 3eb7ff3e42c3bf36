import { startEmailTestApp, type EmailTestApp } from '../support/email-test-app.js';
import { aal2Session, userWithSms } from '../support/sms-test-app.js';

describe('change password and my sessions', () => {
  let t: EmailTestApp;
  beforeAll(async () => {
    t = await startEmailTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('changes the password with the current one: this session stays, the others end, the owner is told', async () => {
    const user = await userWithSms(t, 'change@example.com');
    const here = await aal2Session(t, user);
    const there = await aal2Session(t, user);
    const wrong = await t.post('/me/password', { currentPassword: 'not it at all', newPassword: 'another fine passphrase' }, here.accessToken);
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CURRENT_PASSWORD');
    const weak = await t.post('/me/password', { currentPassword: user.password, newPassword: 'password1' }, here.accessToken);
    expect(weak.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'newPassword' }] });

    const changed = await t.post('/me/password', { currentPassword: user.password, newPassword: 'another fine passphrase' }, here.accessToken);
    expect(changed.status).toBe(204);
    expect((await t.get('/auth/me', here.accessToken)).status).toBe(200);
    expect((await t.post('/auth/refresh', { refreshToken: here.refreshToken })).status).toBe(200);
    expect((await t.post('/auth/refresh', { refreshToken: there.refreshToken })).body.code).toBe('REFRESH_TOKEN_INVALID');
    expect(t.smtp.lastMailTo(user.email).text).toContain('The password of your account was changed');
    expect((await t.post('/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    expect((await t.post('/auth/login', { email: user.email, password: 'another fine passphrase' })).body.status).toBe('mfa_required');
  });

  it('needs a fresh second factor once the user has one', async () => {
    const user = await userWithSms(t, 'change-stale@example.com');
    const session = await aal2Session(t, user);
    t.clock.advance(16 * 60);
    const refreshed = await t.post('/auth/refresh', { refreshToken: session.refreshToken });
    const res = await t.post('/me/password', { currentPassword: user.password, newPassword: 'another fine passphrase' }, refreshed.body.accessToken);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('STEP_UP_REQUIRED');
  });

  it('lists my sessions, ends one, and signs out everywhere else', async () => {
    const user = await userWithSms(t, 'sessions@example.com');
    const mine = await aal2Session(t, user);
    const phone = await aal2Session(t, user);
    const laptop = await aal2Session(t, user);
    const list = await t.request('GET', '/me/sessions', { token: mine.accessToken });
    expect(list.status).toBe(200);
    const live = list.body.filter((s: { aal: string }) => s.aal === 'aal2');
    expect(live).toHaveLength(3);
    expect(list.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(list.body[0]).toEqual({
      id: expect.any(String),
      current: expect.any(Boolean),
      aal: 'aal2',
      amr: ['pwd', 'sms'],
      ip: '127.0.0.1',
      userAgent: expect.any(String),
      device: null,
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
    });
    const current = list.body.find((s: { current: boolean }) => s.current);
    const others = list.body.filter((s: { current: boolean; aal: string }) => !s.current && s.aal === 'aal2');

    expect((await t.request('DELETE', `/me/sessions/${others[0].id}`, { token: mine.accessToken })).status).toBe(204);
    const ended = [phone, laptop].filter((s) => s !== null);
    const refreshes = await Promise.all(ended.map((s) => t.post('/auth/refresh', { refreshToken: s.refreshToken })));
    expect(refreshes.map((r) => r.status).sort()).toEqual([200, 401]);

    expect((await t.request('DELETE', `/me/sessions/${others[0].id}`, { token: mine.accessToken })).status).toBe(404);
    expect((await t.request('DELETE', '/me/sessions/not-a-uuid', { token: mine.accessToken })).status).toBe(404);
    const stranger = await userWithSms(t, 'sessions-stranger@example.com');
    const theirs = await aal2Session(t, stranger);
    expect((await t.request('DELETE', `/me/sessions/${current.id}`, { token: theirs.accessToken })).status).toBe(404);

    expect((await t.post('/me/sessions/revoke-others', undefined, mine.accessToken)).status).toBe(204);
    const after = await t.request('GET', '/me/sessions', { token: mine.accessToken });
    expect(after.body.map((s: { id: string }) => s.id)).toEqual([current.id]);
    expect((await t.get('/auth/me', mine.accessToken)).status).toBe(200);
    expect((await t.get('/auth/me', theirs.accessToken)).status).toBe(200);
  });
});
