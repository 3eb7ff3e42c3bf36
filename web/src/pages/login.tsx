import { useState } from 'preact/hooks';
import { api, ok, type LoginResult, type Schemas } from '../api.js';
import { pendingEnrolment, signedIn } from '../flow.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { EmailField, ErrorSummary, Field, fieldErrors, Link, NewPasswordField, Page, useAction } from '../ui.js';
import { SecondFactor } from './second-factor.js';

/**
 * Remembered-device tokens, by email. Kept in localStorage, not with the
 * session in sessionStorage: the point of remembering a device is that the
 * next sign-in, in a later tab or after a restart, skips the second step. The
 * token alone signs no one in (the password is still needed), the server keeps
 * only its hash, and the user can forget the device from the sessions page.
 */
const DEVICE_TOKENS = 'sesame.deviceTokens';

function deviceTokens(): Record<string, string> {
  try {
    return (JSON.parse(localStorage.getItem(DEVICE_TOKENS) ?? '{}') as Record<string, string>) ?? {};
  } catch {
    return {};
  }
}

function saveDeviceToken(email: string, token: string): void {
  localStorage.setItem(DEVICE_TOKENS, JSON.stringify({ ...deviceTokens(), [email.trim().toLowerCase()]: token }));
}

/** POST /auth/login and what each of its three answers leads to. */
async function logIn(
  email: string,
  password: string,
  next: string,
  onMfaRequired: (result: Schemas['MfaRequiredResponseDto']) => void,
): Promise<void> {
  const deviceToken = deviceTokens()[email.trim().toLowerCase()];
  const result = (await ok(
    api.POST('/auth/login', { body: deviceToken ? { email, password, deviceToken } : { email, password } }),
  )) as LoginResult;
  switch (result.status) {
    case 'authenticated':
      return signedIn(result, next);
    case 'mfa_required':
      return onMfaRequired(result);
    case 'mfa_enrollment_required':
      pendingEnrolment.set({ mfaToken: result.mfaToken, allowedFactors: result.allowedFactors, next });
      return navigate('/app/enrol', { replace: true });
  }
}

/** Password first; then the second step, or the enrolment the policy requires. `next` is where a signed-in user lands. */
export function LoginPage(props: { next: string; title?: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [mfa, setMfa] = useState<Schemas['MfaRequiredResponseDto'] | null>(null);
  const action = useAction();
  const errors = fieldErrors(action.error);

  if (mfa) {
    return (
      <Page title={props.title ?? t('signIn')}>
        {mfa.notice === 'FACTOR_NO_LONGER_ALLOWED' ? <p class="notice">{t('problem_MFA_FACTOR_NOT_ALLOWED')}</p> : null}
        <SecondFactor
          mfaToken={mfa.mfaToken}
          factors={mfa.factors}
          offerRemember
          onTokens={(tokens) => {
            if (tokens.deviceToken) saveDeviceToken(email, tokens.deviceToken);
            signedIn(tokens, props.next);
          }}
        />
      </Page>
    );
  }

  return (
    <Page title={props.title ?? t('signIn')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await logIn(email, password, props.next, setMfa);
          });
        }}
      >
        <ErrorSummary error={action.error} />
        <EmailField value={email} onInput={setEmail} error={errors.email} />
        <Field
          name="password"
          type="password"
          label={t('password')}
          value={password}
          onInput={setPassword}
          error={errors.password}
          autocomplete="current-password"
          required
        />
        <button type="submit" class="primary" disabled={action.busy}>
          {t('signIn')}
        </button>
      </form>
      {props.next.startsWith('/app') ? (
        <>
          <p>
            <Link href="/app/register">{t('noAccount')}</Link>
          </p>
          <p>
            <Link href="/app/forgot-password">{t('forgotPassword')}</Link>
          </p>
        </>
      ) : null}
    </Page>
  );
}

export function RegisterPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const errors = fieldErrors(action.error);
  return (
    <Page title={t('register')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await ok(api.POST('/auth/register', { body: { email, password } }));
            // A new account has no factor to ask for: signed in, or sent to enrol one when the policy requires it.
            await logIn(email, password, '/app/account', () => navigate('/app/login', { replace: true }));
          });
        }}
      >
        <ErrorSummary error={action.error} />
        <EmailField value={email} onInput={setEmail} error={errors.email} />
        <NewPasswordField
          name="password"
          label={t('password')}
          value={password}
          onInput={setPassword}
          error={errors.password}
        />
        <button type="submit" class="primary" disabled={action.busy}>
          {t('register')}
        </button>
      </form>
      <p>
        <Link href="/app/login">{t('haveAccount')}</Link>
      </p>
    </Page>
  );
}
