import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { browserSuite, type BrowserTestApp } from '../support/browser.js';
import { aal2Session, loginToChallenge, userWithSms } from '../support/sms-test-app.js';
import { totpCode } from '../support/totp-code.js';

/** The admin console in Debian's Chromium: an admin signs in with password and SMS, then changes the policy and supports a user. */
describe('the admin console in a real browser', () => {
  let admin: Awaited<ReturnType<typeof userWithSms>>;
  /** The user the support test helps; enrolled before the policy test makes MFA required. */
  let user: Awaited<ReturnType<typeof userWithSms>>;
  const suite = browserSuite(async (t) => {
    admin = await userWithSms(t, 'console-admin@example.com');
    await t.db.query(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [admin.userId]);
    user = await userWithSms(t, 'console-support@example.com');
    // A second factor (an authenticator app), for the console to remove on its own.
    const session = await aal2Session(t, user);
    const totp = await t.post('/me/mfa/factors/totp', { label: 'Support phone app' }, session.accessToken);
    expect(totp.status).toBe(201);
    const activated = await t.post(
      `/me/mfa/factors/${totp.body.factorId}/activate`,
      { code: totpCode(totp.body.secret, t.clock.now()) },
      session.accessToken,
    );
    expect(activated.status).toBe(200);
    // Two wrong SMS codes, so the user's page offers to clear the failed attempts.
    const { mfaToken, challenge } = await loginToChallenge(t, user.email);
    const wrong = t.lastCode(user.phone) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 2; i++) {
      expect(
        (await t.post('/auth/mfa/verify', { challengeId: challenge.challengeId, code: wrong }, mfaToken)).status,
      ).toBe(401);
    }
  });
  const { check, heading, button, violations } = suite;
  let t: BrowserTestApp;
  let page: Page;
  beforeEach(() => {
    ({ t, page } = suite);
  });

  async function adminSignIn(path = '/admin') {
    await page.goto(path);
    await heading('Admin console: Sign in');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await button('Sign in').click();
    await page.getByText('We sent a code to').waitFor();
    await page.getByRole('textbox', { name: 'Code' }).fill(t.lastCode(admin.phone));
    await button('Verify').click();
  }

  it('refuses an invalid policy field by field, previews and saves "required"; a user without a factor is then asked to enrol', async () => {
    await adminSignIn();
    await heading('Admin console: MFA policy');
    await check('admin-policy');
    const ttl = page.getByLabel('SMS code lifetime (seconds)');
    await ttl.fill('9999');
    await button('Save').click();
    await page.getByRole('alert').getByText('Some fields need attention.').waitFor();
    // The error is the field's own: marked invalid and described by the message.
    expect(await ttl.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await ttl.getAttribute('aria-describedby'))!.split(' ');
    const messages = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(messages.join(' ')).toMatch(/600/);
    await check('admin-policy-invalid');

    // An account without a factor, which "required" will send to enrolment.
    const email = 'console-newcomer@example.com';
    expect((await t.post('/auth/register', { email, password: 'correct horse battery' })).status).toBe(201);

    await ttl.fill('300');
    await page.getByLabel('Required for everyone').check();
    await button('Preview the effect').click();
    // The dry run's numbers: of the three accounts, the newcomer alone must enrol; nothing is saved yet.
    await page.getByText('3 accounts, compared with version').waitFor();
    expect(await page.getByTestId('dry-run-forcedToEnrol').locator('dd').textContent()).toBe('1 (1 newly)');
    expect(await page.getByTestId('dry-run-lockedOut').locator('dd').textContent()).toBe('0 (0 newly)');
    expect((await t.get('/admin/mfa/policy', (await signedInAdminToken())!)).body.mode).toBe('optional');
    await check('admin-policy-dry-run');
    await button('Save').click();
    await page.getByText(/^Saved as version \d+\.$/).waitFor();
    expect((await t.get('/admin/mfa/policy', (await signedInAdminToken())!)).body.mode).toBe('required');

    // The newcomer signs in: the policy now asks it to enrol a first factor, and it does (authenticator app).
    const userPage = await suite.context.newPage();
    await userPage.goto('/app/login');
    await userPage.getByLabel('Email').fill(email);
    await userPage.getByLabel('Password').fill('correct horse battery');
    await userPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    await userPage.getByRole('heading', { level: 1, name: 'Add a sign-in method' }).waitFor();
    await userPage.getByText('Your organisation requires a second factor.').waitFor();
    await check('enrol-required', userPage);
    await userPage.getByRole('link', { name: 'Add an authenticator app' }).click();
    await userPage.getByRole('button', { name: 'Continue', exact: true }).click();
    const secret = (await userPage.getByTestId('totp-secret').textContent())!.trim();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    await userPage.getByRole('textbox', { name: 'Code' }).fill(totp.generate({ timestamp: t.clock.now().getTime() }));
    await userPage.getByRole('button', { name: 'Confirm', exact: true }).click();
    await userPage.getByRole('heading', { level: 1, name: 'Recovery codes' }).waitFor();
    await userPage.getByRole('link', { name: 'Back' }).click();
    await userPage.getByText('Session strength: aal2').waitFor();
  }, 120_000);

  /** The access token the console keeps for this tab. */
  async function signedInAdminToken(): Promise<string | null> {
    return page.evaluate(() => {
      const raw = sessionStorage.getItem('sesame.session');
      return raw ? (JSON.parse(raw) as { accessToken: string }).accessToken : null;
    });
  }

  it('finds a user, resets their MFA after a confirmation, and shows it in the audit log', async () => {
    await adminSignIn('/admin/console/users');
    await heading('Admin console: Users');
    await page.getByLabel('Email contains').fill('console-support');
    await button('Search').click();
    await page.getByRole('link', { name: user.email }).click();
    await page.getByRole('heading', { level: 2, name: user.email }).waitFor();
    await page.getByText('Text message').first().waitFor();
    await check('admin-user');

    // Remove one factor: the other stays.
    const appFactor = page.getByRole('listitem').filter({ hasText: 'Support phone app' });
    await appFactor.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog', { name: 'Remove' }).getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText('Done.').waitFor();
    await appFactor.waitFor({ state: 'detached' });
    await page.getByRole('listitem').filter({ hasText: 'Text message —' }).waitFor();

    await page.getByText(/^Not locked\.$/).waitFor();
    await button('Unlock').click();
    await page.getByRole('dialog', { name: 'Unlock' }).getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText('Done.').waitFor();
    await button('Sign out everywhere').click();
    await page.getByRole('dialog', { name: 'Sign out everywhere' }).getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText('Done.').waitFor();
    const live = await t.db.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, [
      user.userId,
    ]);
    expect(live.rows[0].n).toBe(0);

    await button('Reset MFA').click();
    const dialog = page.getByRole('dialog', { name: 'Reset MFA' });
    await dialog.getByText(`Remove every factor of ${user.email}`).waitFor();
    await check('admin-user-reset-confirm');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText('Done.').waitFor();
    expect(
      (await t.db.query(`SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = $1`, [user.userId])).rows[0].n,
    ).toBe(0);

    await page.getByRole('main').getByRole('link', { name: 'Audit log' }).click();
    await heading('Admin console: Audit log');
    const events = page.getByTestId('audit-events');
    await events.getByText('admin.mfa.reset').waitFor();
    expect(await page.getByLabel('User id').inputValue()).toBe(user.userId);
    for (const type of ['admin.factor.removed', 'admin.user.unlocked', 'admin.sessions.revoked'])
      await events.getByText(type).waitFor();
    await check('admin-audit');

    // The type filter narrows the list to that event.
    await page.getByLabel('Event type').fill('admin.mfa.reset');
    await button('Filter').click();
    await page.waitForURL(/type=admin\.mfa\.reset/);
    await events.getByText('admin.mfa.reset').waitFor();
    const types = await events.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['admin.mfa.reset']));
  }, 120_000);

  it('charts the MFA statistics', async () => {
    await adminSignIn('/admin/console/stats');
    await heading('Admin console: MFA statistics');
    await page.getByRole('img', { name: 'Volume by country' }).waitFor();
    await page.getByRole('cell', { name: 'GB' }).waitFor();
    await check('admin-stats');
  }, 120_000);

  it('finds no serious or critical accessibility violation on any page it visited', () => {
    expect(violations).toEqual([]);
  });
});
