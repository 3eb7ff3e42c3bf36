import { useState } from 'preact/hooks';
import { api, ok, type LoginResult, type Schemas } from '../api.js';
import { pendingEnrolment, signedIn } from '../flow.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { ErrorSummary, Field, fieldErrors, Link, Page, useAction } from '../ui.js';
import { SecondFactor } from './second-factor.js';

/** POST /auth/login and what each of its three answers leads to. */
async function logIn(
  email: string,
  password: string,
  next: string,
  onMfaRequired: (result: Schemas['MfaRequiredResponseDto']) => void,
): Promise<void> {
  const result = (await ok(api.POST('/auth/login', { body: { email, password } }))) as LoginResult;
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
          onTokens={(tokens) => signedIn(tokens, props.next)}
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
        <Field
          name="email"
          type="email"
          label={t('email')}
          value={email}
          onInput={setEmail}
          error={errors.email}
          autocomplete="username"
          required
        />
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
        <p>
          <Link href="/app/register">{t('noAccount')}</Link>
        </p>
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
        <Field
          name="email"
          type="email"
          label={t('email')}
          value={email}
          onInput={setEmail}
          error={errors.email}
          autocomplete="username"
          required
        />
        <Field
          name="password"
          type="password"
          label={t('password')}
          hint={t('passwordHint')}
          value={password}
          onInput={setPassword}
          error={errors.password}
          autocomplete="new-password"
          minLength={8}
          required
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
