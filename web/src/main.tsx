import { render, type FunctionComponent } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { session } from './api.js';
import { pendingEnrolment } from './flow.js';
import { language } from './i18n.js';
import { AccountPage } from './pages/account.js';
import { EnrolChoicePage, PasskeyEnrolPage, RecoveryCodesPage, SmsEnrolPage, TotpEnrolPage } from './pages/enrol.js';
import { LoginPage, RegisterPage } from './pages/login.js';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './pages/password-reset.js';
import { ChangePasswordPage, SessionsPage } from './pages/security.js';
import { currentPath, navigate } from './router.js';
import { useSignal } from './signal.js';

/** Loaded only under /admin: users of the app never download the console. */
const AdminApp = lazy(() => import('./admin/admin-app.js'));

const ENROL_PAGES: Record<string, FunctionComponent> = {
  '/app/enrol': EnrolChoicePage,
  '/app/enrol/sms': SmsEnrolPage,
  '/app/enrol/totp': TotpEnrolPage,
  '/app/enrol/passkey': PasskeyEnrolPage,
};

function App() {
  const path = useSignal(currentPath).replace(/\/+$/, '') || '/app';
  const signedIn = useSignal(session) !== null;
  const enrolling = useSignal(pendingEnrolment) !== null;
  useSignal(language);

  if (path === '/admin' || path.startsWith('/admin/')) {
    return (
      <Suspense fallback={null}>
        <AdminApp />
      </Suspense>
    );
  }
  const EnrolPage = ENROL_PAGES[path];
  if (EnrolPage && (signedIn || enrolling)) return <EnrolPage />;
  if (path === '/app/register') return <RegisterPage />;
  // The pages of the mailed links, and the forgotten password: signed in or not.
  if (path === '/app/forgot-password') return <ForgotPasswordPage />;
  if (path === '/app/reset-password') return <ResetPasswordPage />;
  if (path === '/app/verify-email') return <VerifyEmailPage />;
  if (!signedIn) return <LoginPage next={path === '/app/login' || path === '/app' ? '/app/account' : path} />;
  if (path === '/app/enrol/recovery') return <RecoveryCodesPage />;
  if (path === '/app/account') return <AccountPage />;
  if (path === '/app/password') return <ChangePasswordPage />;
  if (path === '/app/sessions') return <SessionsPage />;
  queueMicrotask(() => navigate('/app/account', { replace: true }));
  return null;
}

document.documentElement.lang = language.get();
render(<App />, document.getElementById('root')!);
