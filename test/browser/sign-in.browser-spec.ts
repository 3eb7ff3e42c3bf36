import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, browserSuite, type BrowserTestApp } from '../support/browser.js';
import { aal2Session, nextPhone, userWithSms } from '../support/sms-test-app.js';

/**
 * The web app in Debian's Chromium against the real Sesame (fake Vonage for
 * SMS, the DevTools virtual authenticator for passkeys), under the pages'
 * Content-Security-Policy. Every page visited is scanned with axe-core and
 * photographed.
 */
describe('the web app in a real browser', () => {
  const suite = browserSuite();
  const { check, heading, button, codeField, violations } = suite;
  let t: BrowserTestApp;
  let page: Page;
  beforeEach(() => {
    ({ t, page } = suite);
  });
  const password = 'correct horse battery';

  async function registerInBrowser(email: string) {
    await page.goto('/app/register');
    await heading('Create an account');
    await check('register');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await button('Create an account').click();
    await heading('Your account');
  }

  async function signOut() {
    await button('Sign out').click();
    await heading('Sign in');
  }

  async function passwordStep(email: string) {
    await page.goto('/app/login');
    await heading('Sign in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await button('Sign in').click();
  }

  it('serves the pages under a CSP that refuses inline script, with hashed assets cached for a year', async () => {
    const response = await page.goto('/app/login');
    expect(response!.headers()['cache-control']).toBe('no-cache');
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    await heading('Sign in');
    const scripts = await page
      .locator('script[src]')
      .evaluateAll((els) => els.map((el) => (el as HTMLScriptElement).src));
    expect(scripts).toHaveLength(1);
    const asset = await fetch(scripts[0]!);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // An inline script injected into the page is refused, and the refusal is what the suite watches for.
    const violated = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
          const script = document.createElement('script');
          script.textContent = 'window.inlineRan = true';
          document.body.append(script);
        }),
    );
    expect(violated).toBe('script-src-elem');
    expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
    await page.getByText('Sign in').first().waitFor();
    expect(suite.problems.errors.some((line) => line.startsWith('csp:'))).toBe(true);
    suite.problems.errors = [];
  });

  it('registers, enrols SMS with the code from the phone, saves recovery codes, signs out and signs in with password and SMS', async () => {
    const email = 'browser-sms@example.com';
    const phone = nextPhone();
    await registerInBrowser(email);
    await check('account-new');
    await page.getByRole('link', { name: 'Add a phone' }).click();
    await heading('Text message codes');
    // The education text, with the advice about codes.
    await page.getByText('Never share a code with anyone.').waitFor();
    await page.getByText('Sesame will never ask you for a code').waitFor();
    await page.getByText('Keep your phone locked.').waitFor();
    await check('enrol-sms');
    await page.getByLabel('Mobile number').fill(phone);
    await button('Send code').click();
    await page.getByText('We sent a code to').waitFor();
    const code = codeField();
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    await check('enrol-sms-code');
    await code.fill(t.lastCode(phone));
    await button('Confirm').click();

    await heading('Recovery codes');
    await button('Get recovery codes').click();
    // A change to an account with MFA needs a recent second factor: the step-up asks for a new SMS code.
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByText('We sent a code to').waitFor();
    await check('step-up');
    await codeField().fill(t.lastCode(phone));
    await button('Verify').click();
    const codes = page.getByTestId('recovery-codes').locator('code');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    expect(await button('Done').isDisabled()).toBe(true);
    await check('recovery-codes');
    await page.getByLabel('I have saved these codes somewhere safe').check();
    await button('Done').click();
    await heading('Your account');
    await page.getByText('Text message', { exact: true }).waitFor();
    await check('account-factors');
    await signOut();

    await passwordStep(email);
    await heading('Sign in');
    await check('sign-in-choose-factor');
    await page.getByRole('button', { name: /^Text message/ }).click();
    await page.getByText('We sent a code to').waitFor();
    const smsCode = codeField();
    expect(await smsCode.getAttribute('autocomplete')).toBe('one-time-code');
    // The resend waits for its cooldown, and says so.
    await page.getByText(/You can ask for a new code in \d+ s\./).waitFor();
    expect(await button('Send a new code').isDisabled()).toBe(true);
    // A wrong code: the message for MFA_INVALID_CODE, with the attempts left, tied to the alert.
    const right = t.lastCode(phone);
    await smsCode.fill(right === '000000' ? '111111' : '000000');
    await button('Verify').click();
    await page.getByRole('alert').getByText('That code is not right.').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/\d+ attempts remaining\./);
    await check('sign-in-sms-wrong-code');
    await smsCode.fill(right);
    await button('Verify').click();
    await heading('Your account');
    await page.getByText('Session strength: aal2').waitFor();
  }, 120_000);

  it('enrols a passkey with the virtual authenticator and signs in with it', async () => {
    const email = 'browser-passkey@example.com';
    await addVirtualAuthenticator(page);
    await registerInBrowser(email);
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await heading('Passkey');
    await check('enrol-passkey');
    await page.getByLabel('Name').fill('Laptop');
    await button('Create a passkey').click();
    await heading('Recovery codes');
    await page.getByRole('link', { name: 'Back' }).click();
    await heading('Your account');
    await page.getByRole('listitem').filter({ hasText: 'Laptop' }).waitFor();
    await signOut();

    await passwordStep(email);
    await button('Use my passkey').waitFor();
    await check('sign-in-passkey');
    await button('Use my passkey').click();
    await heading('Your account');
    await page.getByText('Session strength: aal2').waitFor();
  }, 120_000);

  it('enrols an authenticator app from the secret shown and signs in with a code', async () => {
    const email = 'browser-totp@example.com';
    await registerInBrowser(email);
    await page.getByRole('link', { name: 'Add an authenticator app' }).click();
    await heading('Authenticator app');
    await button('Continue').click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByRole('img', { name: 'QR code for the authenticator app' }).waitFor();
    await check('enrol-totp');
    const totp = new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(secret),
      digits: 6,
      period: 30,
      algorithm: 'SHA1',
    });
    await codeField().fill(totp.generate({ timestamp: t.clock.now().getTime() }));
    await button('Confirm').click();
    await heading('Recovery codes');
    await page.getByRole('link', { name: 'Back' }).click();
    await heading('Your account');
    await signOut();

    // The next time step: a code is accepted once.
    t.clock.advance(30);
    await passwordStep(email);
    await codeField().waitFor();
    await check('sign-in-totp');
    await codeField().fill(totp.generate({ timestamp: t.clock.now().getTime() }));
    await button('Verify').click();
    await heading('Your account');
    await page.getByText('Session strength: aal2').waitFor();

    // Rename the factor.
    const factor = page.getByRole('listitem').filter({ hasText: 'Authenticator app —' });
    await factor.getByRole('button', { name: 'Rename' }).click();
    await factor.getByRole('textbox', { name: 'Name' }).fill('Work phone');
    await factor.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Renamed.').waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Work phone' }).waitFor();

    // Later (the access token has expired and the sign-in is older than the step-up window): removing it
    // refreshes the session, then asks for a fresh second factor, then removes it.
    t.clock.advance(1000);
    await page.getByRole('listitem').filter({ hasText: 'Work phone' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog', { name: 'Remove' }).getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await check('step-up-totp');
    await codeField().fill(totp.generate({ timestamp: t.clock.now().getTime() }));
    await button('Verify').click();
    await page.getByRole('status').getByText('Removed.').waitFor();
    await page.getByText('You have no second factor yet.').waitFor();
  }, 120_000);

  it('signs in with a recovery code', async () => {
    const user = await userWithSms(t, 'browser-recovery@example.com');
    const session = await aal2Session(t, user);
    const generated = await t.post('/me/mfa/recovery-codes', {}, session.accessToken);
    expect(generated.status).toBe(201);
    const codes: string[] = generated.body.codes;

    await passwordStep(user.email);
    await page.getByRole('button', { name: 'Recovery code' }).click();
    await check('sign-in-recovery-code');
    await codeField().fill(codes[3]!);
    await button('Verify').click();
    await heading('Your account');
    // The same code does not work twice.
    await signOut();
    await passwordStep(user.email);
    await page.getByRole('button', { name: 'Recovery code' }).click();
    await codeField().fill(codes[3]!);
    await button('Verify').click();
    await page.getByRole('alert').getByText('That code is not right.').waitFor();
  }, 120_000);

  it('signs in with the keyboard alone, in a focus order that follows the page', async () => {
    const email = 'browser-keyboard@example.com';
    expect((await t.post('/auth/register', { email, password })).status).toBe(201);
    await page.goto('/app/login');
    await heading('Sign in');
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement;
        return (el.labels?.[0]?.textContent ?? el.textContent ?? '').trim();
      });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).toEqual([
      'Skip to content',
      expect.stringMatching(/^Language/),
      'Email',
      'Password',
      'Sign in',
      'New here? Create an account',
    ]);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await heading('Your account');
  });

  it('speaks Spanish, French and German', async () => {
    await page.goto('/app/login');
    await heading('Sign in');
    for (const [code, title] of [
      ['es', 'Iniciar sesión'],
      ['fr', 'Se connecter'],
      ['de', 'Anmelden'],
    ] as const) {
      await page.getByRole('combobox').selectOption(code);
      await heading(title);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(code);
    }
    await check('sign-in-de');
    // The choice is kept for the next visit.
    await page.reload();
    await heading('Anmelden');
  });

  it('finds no serious or critical accessibility violation on any page it visited', () => {
    expect(violations).toEqual([]);
  });
});
