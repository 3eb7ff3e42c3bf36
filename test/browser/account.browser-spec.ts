import type { Page } from 'playwright-core';
import { adminAccessToken } from '../support/admin-session.js';
import { browserSuite, type BrowserTestApp } from '../support/browser.js';
import { aal2Session, userWithSms } from '../support/sms-test-app.js';

const WEEK = 7 * 86_400;

/**
 * The self-service pages in Debian's Chromium: the password reset from the
 * mailed link (mail read from the real SMTP server the app delivers to), the
 * email verification link, password change, sessions and remembered devices.
 */
describe('the account self-service pages in a real browser', () => {
  const suite = browserSuite(async (t) => {
    // Remembered devices only take effect when the policy rule remembers them.
    const admin = await adminAccessToken(t, 'account-admin@example.com');
    const { version: _version, ...policy } = (await t.get('/admin/mfa/policy', admin.accessToken)).body;
    const res = await t.request('PUT', '/admin/mfa/policy', {
      body: { ...policy, rememberDeviceMaxAgeSeconds: WEEK },
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
  });
  const { check, heading, button, codeField, violations } = suite;
  let t: BrowserTestApp;
  let page: Page;
  beforeEach(() => {
    ({ t, page } = suite);
  });

  async function passwordStep(email: string, password = 'correct horse battery') {
    await page.goto('/app/login');
    await heading('Sign in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await button('Sign in').click();
  }

  async function signInWithSms(user: { email: string; phone: string }) {
    await passwordStep(user.email);
    await page.getByText('We sent a code to').waitFor();
    await codeField().fill(t.lastCode(user.phone));
    await button('Verify').click();
    await heading('Your account');
  }

  async function signOut() {
    await button('Sign out').click();
    await heading('Sign in');
  }

  /** The link of the last mail to `email`, after the outbox worker delivered it over SMTP. */
  async function mailedLink(email: string, page: 'reset-password' | 'verify-email'): Promise<string> {
    await t.deliverMail();
    const text = t.smtp.lastMailTo(email).text;
    const match = new RegExp(`(\\S+/app/${page}#token=[A-Za-z0-9_-]+)`).exec(text);
    if (!match) throw new Error(`no ${page} link in: ${text}`);
    return match[1]!;
  }

  it('resets a forgotten password from the mailed link; the next sign-in still asks for the SMS code', async () => {
    const user = await userWithSms(t, 'reset-browser@example.com');
    await page.goto('/app/login');
    await heading('Sign in');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await heading('Reset your password');
    await check('forgot-password');
    await page.getByLabel('Email').fill(user.email);
    await button('Send the link').click();
    await page.getByRole('status').getByText('If an account has this address, a link is on its way.').waitFor();
    await check('forgot-password-sent');

    const link = await mailedLink(user.email, 'reset-password');
    expect(link.startsWith(`${t.origin}/app/reset-password#token=`)).toBe(true);
    await page.goto(link);
    await heading('Choose a new password');
    // The token is taken out of the address bar once read.
    expect(page.url()).toBe(`${t.origin}/app/reset-password`);
    await check('reset-password');
    await page.getByLabel('New password').fill('a brand new passphrase');
    await button('Set the password').click();
    await page.getByRole('status').getByText('Your password is changed').waitFor();
    await check('reset-password-done');

    // The old password no longer works; the new one still needs the second factor.
    await passwordStep(user.email);
    await page.getByRole('alert').getByText('That email and password do not match an account.').waitFor();
    const sent = t.vonage.messages.length;
    await passwordStep(user.email, 'a brand new passphrase');
    await page.getByText('We sent a code to').waitFor();
    expect(t.vonage.messages.length).toBe(sent + 1);
    await codeField().fill(t.lastCode(user.phone));
    await button('Verify').click();
    await heading('Your account');
    await page.getByText('Session strength: aal2').waitFor();

    // The link works once.
    await page.goto(link);
    await page.getByLabel('New password').fill('yet another passphrase');
    await button('Set the password').click();
    await page.getByRole('alert').getByText('This reset link has expired or was already used.').waitFor();
  }, 120_000);

  it('confirms the email address from the mailed verification link', async () => {
    const user = await userWithSms(t, 'verify-browser@example.com');
    const session = await aal2Session(t, user);
    expect((await t.post('/me/email/verification', {}, session.accessToken)).status).toBe(204);
    const link = await mailedLink(user.email, 'verify-email');
    expect(link.startsWith(`${t.origin}/app/verify-email#token=`)).toBe(true);
    await page.goto(link);
    await heading('Confirm your email');
    await page.getByRole('status').getByText('Your email address is confirmed.').waitFor();
    await check('verify-email');
    const { rows } = await t.db.query(`SELECT email_verified_at FROM users WHERE id = $1`, [user.userId]);
    expect(rows[0].email_verified_at).not.toBeNull();
  }, 120_000);

  it('lists two sessions and "sign out everywhere else" leaves only this one', async () => {
    const user = await userWithSms(t, 'sessions-browser@example.com');
    // The setup's own sign-in ends; another device signs in with SMS, then this browser does.
    expect((await t.post('/auth/logout', {}, user.accessToken)).status).toBe(204);
    const elsewhere = await aal2Session(t, user);
    await signInWithSms(user);
    await page.getByRole('link', { name: 'Sessions and devices' }).click();
    await heading('Sessions and devices');
    const sessions = page.getByTestId('sessions').getByRole('listitem');
    await sessions.nth(1).waitFor();
    expect(await sessions.count()).toBe(2);
    await sessions.filter({ hasText: 'this session' }).waitFor();
    await check('sessions');
    await button('Sign out everywhere else').click();
    await check('sessions-confirm');
    await page
      .getByRole('dialog', { name: 'Sign out everywhere else' })
      .getByRole('button', { name: 'Confirm' })
      .click();
    await page.getByRole('status').getByText('Every other session is signed out.').waitFor();
    await page.getByText('this session').waitFor();
    expect(await sessions.count()).toBe(1);
    // The other session is really over.
    expect((await t.post('/auth/refresh', { refreshToken: elsewhere.refreshToken })).status).toBe(401);
  }, 120_000);

  it('changes the password, with a fresh second factor once the sign-in is old', async () => {
    const user = await userWithSms(t, 'password-browser@example.com');
    await signInWithSms(user);
    await page.getByRole('link', { name: 'Change password' }).click();
    await heading('Change password');
    await check('change-password');
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('a changed passphrase');
    await button('Change password').click();
    await page.getByRole('alert').getByText('That is not your current password.').waitFor();

    // Later than the step-up window: the change asks for a new SMS code, then goes through.
    t.clock.advance(1000);
    await page.getByLabel('Current password').fill('correct horse battery');
    await button('Change password').click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByText('We sent a code to').waitFor();
    await codeField().fill(t.lastCode(user.phone));
    await button('Verify').click();
    await page.getByRole('status').getByText('Your password is changed.').waitFor();
    await check('change-password-done');
    expect((await t.post('/auth/login', { email: user.email, password: 'a changed passphrase' })).body.status).toBe(
      'mfa_required',
    );
    // Back to the browser's time, so later pages count down from the server's real "now".
    t.clock.advance(-1000);
  }, 120_000);

  it('remembers this device: the next sign-in skips the second step until the device is forgotten', async () => {
    const user = await userWithSms(t, 'remember-browser@example.com');
    await passwordStep(user.email);
    await page.getByText('We sent a code to').waitFor();
    await page.getByLabel('Remember this device').check();
    await check('sign-in-remember-device');
    await codeField().fill(t.lastCode(user.phone));
    await button('Verify').click();
    await heading('Your account');
    await signOut();

    // Password only: no text is sent, and the session is aal2.
    const sent = t.vonage.messages.length;
    await passwordStep(user.email);
    await heading('Your account');
    await page.getByText('Session strength: aal2').waitFor();
    expect(t.vonage.messages.length).toBe(sent);

    await page.getByRole('link', { name: 'Sessions and devices' }).click();
    await heading('Sessions and devices');
    const devices = page.getByTestId('devices').getByRole('listitem');
    await devices.first().waitFor();
    expect(await devices.count()).toBe(1);
    await check('sessions-devices');
    await devices.first().getByRole('button', { name: 'Forget' }).click();
    await page.getByRole('dialog', { name: 'Forget' }).getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText('The device is forgotten.').waitFor();
    await page.getByText('No device is remembered.').waitFor();
    await signOut();

    await passwordStep(user.email);
    await page.getByText('We sent a code to').waitFor();
    expect(t.vonage.messages.length).toBe(sent + 1);
  }, 120_000);

  it('finds no serious or critical accessibility violation on any page it visited', () => {
    expect(violations).toEqual([]);
  });
});
