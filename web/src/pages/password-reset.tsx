import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api.js';
import { t } from '../i18n.js';
import { EmailField, ErrorSummary, fieldErrors, Link, NewPasswordField, Notice, Page, useAction } from '../ui.js';

/**
 * The token of a mailed link (`…#token=…`). It comes in the fragment, which
 * browsers never send to a server; it is then taken out of the address bar and
 * the history, so it does not linger there.
 */
function useLinkToken(): string {
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, []);
  return token;
}

/** POST /auth/password/forgot: the answer is the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const action = useAction();
  const errors = fieldErrors(action.error);
  return (
    <Page title={t('forgotTitle')}>
      {sent ? (
        <Notice>{t('forgotSent')}</Notice>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await ok(api.POST('/auth/password/forgot', { body: { email: email.trim() } }));
              setSent(true);
            });
          }}
        >
          <p>{t('forgotIntro')}</p>
          <ErrorSummary error={action.error} />
          <EmailField value={email} onInput={setEmail} error={errors.email} />
          <button type="submit" class="primary" disabled={action.busy}>
            {t('sendLink')}
          </button>
        </form>
      )}
      <p>
        <Link href="/app/login">{t('backToSignIn')}</Link>
      </p>
    </Page>
  );
}

/** The page of the mailed reset link: a new password, then sign in (the second factor is still asked for). */
export function ResetPasswordPage() {
  const token = useLinkToken();
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();
  const errors = fieldErrors(action.error);
  return (
    <Page title={t('resetTitle')}>
      {done ? (
        <Notice>{t('resetDone')}</Notice>
      ) : !token ? (
        <p>{t('linkMissing')}</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await ok(api.POST('/auth/password/reset', { body: { token, password } }));
              setDone(true);
            });
          }}
        >
          <ErrorSummary error={action.error} />
          <NewPasswordField
            name="password"
            label={t('newPassword')}
            value={password}
            onInput={setPassword}
            error={errors.password}
          />
          <button type="submit" class="primary" disabled={action.busy}>
            {t('setPassword')}
          </button>
        </form>
      )}
      <p>
        <Link href="/app/login">{done ? t('signIn') : t('backToSignIn')}</Link>
      </p>
    </Page>
  );
}

/** The page of the mailed verification link: POST /auth/email/verify as soon as it opens. */
export function VerifyEmailPage() {
  const token = useLinkToken();
  const [verified, setVerified] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (!token) return;
    void action.run(async () => {
      await ok(api.POST('/auth/email/verify', { body: { token } }));
      setVerified(true);
    });
  }, [token]);
  return (
    <Page title={t('verifyEmailTitle')}>
      <ErrorSummary error={action.error} />
      {!token ? <p>{t('linkMissing')}</p> : null}
      {action.busy ? <p>{t('working')}</p> : null}
      {verified ? <Notice>{t('emailVerified')}</Notice> : null}
      <p>
        <Link href="/app/account">{t('account')}</Link>
      </p>
    </Page>
  );
}
