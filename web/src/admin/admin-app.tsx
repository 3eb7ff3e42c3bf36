import { useEffect, useState } from 'preact/hooks';
import { api, ok, saveSession, session, type Schemas } from '../api.js';
import { language, t } from '../i18n.js';
import { currentPath, navigate } from '../router.js';
import { useSignal } from '../signal.js';
import { ErrorSummary, Link, Page, useAction } from '../ui.js';
import { LoginPage } from '../pages/login.js';
import { AuditLog } from './audit-log.js';
import { PolicyEditor } from './policy-editor.js';
import { StatsPage } from './stats.js';
import { UserDetails, UserSearch } from './users.js';

/** The admin console: an admin's aal2 session (the same sign-in as the app), then policy, users, audit and statistics. */
export default function AdminApp() {
  const path = useSignal(currentPath);
  const current = useSignal(session);
  useSignal(language);
  const [me, setMe] = useState<Schemas['MeResponseDto'] | null>(null);
  const load = useAction();
  useEffect(() => {
    setMe(null);
    if (current) void load.run(async () => setMe(await ok(api.GET('/auth/me'))));
  }, [current?.accessToken]);

  if (!current)
    return <LoginPage next={path.startsWith('/admin') ? path : '/admin'} title={`${t('admin')}: ${t('signIn')}`} />;
  if (load.error)
    return (
      <Page title={t('admin')}>
        <ErrorSummary error={load.error} />
        <button type="button" onClick={() => saveSession(null)}>
          {t('signIn')}
        </button>
      </Page>
    );
  if (!me) return null;
  if (!me.roles.includes('admin')) {
    return (
      <Page title={t('admin')}>
        <p role="alert">{t('notAdmin')}</p>
        <Link href="/app/account">{t('account')}</Link>
      </Page>
    );
  }

  const section = path.replace(/\/+$/, '');
  const userMatch = /^\/admin\/console\/users\/([0-9a-f-]{36})$/.exec(section);
  const [title, body] = userMatch
    ? [t('users'), <UserDetails id={userMatch[1]!} />]
    : section === '/admin/console/users'
      ? [t('users'), <UserSearch />]
      : section === '/admin/console/audit'
        ? [t('audit'), <AuditLog />]
        : section === '/admin/console/stats'
          ? [t('stats'), <StatsPage />]
          : [t('policy'), <PolicyEditor />];
  const nav = (
    <ul class="nav">
      {(
        [
          ['/admin', t('policy')],
          ['/admin/console/users', t('users')],
          ['/admin/console/audit', t('audit')],
          ['/admin/console/stats', t('stats')],
        ] as const
      ).map(([href, label]) => (
        <li key={href}>
          <a
            href={href}
            aria-current={section === href || (href !== '/admin' && section.startsWith(href)) ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate(href);
            }}
          >
            {label}
          </a>
        </li>
      ))}
      <li>
        <button
          type="button"
          class="link"
          onClick={() => {
            void api.POST('/auth/logout').finally(() => saveSession(null));
          }}
        >
          {t('signOut')}
        </button>
      </li>
    </ul>
  );
  return (
    <Page title={`${t('admin')}: ${title}`} nav={nav}>
      <div key={section}>{body}</div>
    </Page>
  );
}
