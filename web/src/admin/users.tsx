import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.js';
import { t } from '../i18n.js';
import { useStepUp } from '../pages/step-up.js';
import { ConfirmButton, ErrorSummary, factorName, Field, formatDate, Link, Notice, useAction } from '../ui.js';

export function UserSearch() {
  const [email, setEmail] = useState('');
  const [page, setPage] = useState<Schemas['UserPageDto'] | null>(null);
  const action = useAction();
  const search = (cursor?: string) =>
    action.run(async () => {
      const next = await ok(
        api.GET('/admin/users', {
          params: { query: { ...(email.trim() ? { email: email.trim() } : {}), ...(cursor ? { cursor } : {}) } },
        }),
      );
      setPage(cursor && page ? { items: [...page.items, ...next.items], nextCursor: next.nextCursor } : next);
    });
  return (
    <>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <ErrorSummary error={action.error} />
        <Field name="email" type="search" label={t('searchEmail')} value={email} onInput={setEmail} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t('search')}
        </button>
      </form>
      {page ? (
        page.items.length === 0 ? (
          <p role="status">{t('noResults')}</p>
        ) : (
          <table>
            <caption class="visually-hidden">{t('users')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('email')}</th>
                <th scope="col">{t('roles')}</th>
                <th scope="col">{t('createdAt')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((user) => (
                <tr key={user.id}>
                  <td>
                    <Link href={`/admin/console/users/${user.id}`}>{user.email}</Link>
                  </td>
                  <td>{user.roles.join(', ') || '—'}</td>
                  <td>{formatDate(user.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {page?.nextCursor ? (
        <button type="button" onClick={() => void search(page.nextCursor!)} disabled={action.busy}>
          {t('more')}
        </button>
      ) : null}
    </>
  );
}

/** One user: factors, lock and sessions, and the support actions, each behind a confirmation. */
export function UserDetails(props: { id: string }) {
  const [user, setUser] = useState<Schemas['UserDetailsDto'] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = useAction();
  const action = useAction();
  // Every support action needs a recent second factor: an older session is asked for one, then the action runs.
  const stepUp = useStepUp();
  const refresh = () =>
    load.run(async () => setUser(await ok(api.GET('/admin/users/{id}', { params: { path: { id: props.id } } }))));
  useEffect(() => void refresh(), [props.id]);
  if (!user) return <ErrorSummary error={load.error} />;
  const path = { params: { path: { id: user.id } } };
  const act = (call: () => Promise<unknown>) =>
    action.run(async () => {
      setMessage(null);
      await stepUp.guard(async () => {
        await call();
      });
      setMessage(t('actionDone'));
      await refresh();
    });
  return (
    <>
      <h2>{user.email}</h2>
      <p class="hint">
        {t('userId')}: <code>{user.id}</code> · {t('createdAt')} {formatDate(user.createdAt)} · {t('roles')}:{' '}
        {user.roles.join(', ') || '—'}
      </p>
      {message ? <Notice>{message}</Notice> : null}
      <ErrorSummary error={action.error} />
      {stepUp.panel}
      <div class="actions">
        <ConfirmButton
          label={t('resetMfa')}
          danger
          question={t('resetMfaConfirm', { email: user.email })}
          onConfirm={() => act(() => ok(api.POST('/admin/users/{id}/mfa/reset', path)))}
        />
        <ConfirmButton
          label={t('revokeSessions')}
          question={t('revokeConfirm', { email: user.email })}
          onConfirm={() => act(() => ok(api.POST('/admin/users/{id}/sessions/revoke', path)))}
        />
        <Link href={`/admin/console/audit?userId=${user.id}`}>{t('audit')}</Link>
      </div>
      <h3>{t('factors')}</h3>
      {user.factors.length === 0 ? <p>—</p> : null}
      <ul class="factors">
        {user.factors.map((factor) => (
          <li key={factor.id}>
            <strong>{factorName(factor.type)}</strong> — {factor.label} (
            {t(factor.status === 'active' ? 'status_active' : 'status_pending')}) ·{' '}
            {factor.lastUsedAt ? t('lastUsed', { date: formatDate(factor.lastUsedAt) }) : t('neverUsed')}{' '}
            <ConfirmButton
              label={t('remove')}
              danger
              question={t('removeFactorConfirm', { label: factor.label, email: user.email })}
              onConfirm={() =>
                act(() =>
                  ok(
                    api.DELETE('/admin/users/{id}/mfa/factors/{factorId}', {
                      params: { path: { id: user.id, factorId: factor.id } },
                    }),
                  ),
                )
              }
            />
          </li>
        ))}
      </ul>
      <h3>{t('lockTitle')}</h3>
      <p>{user.lock.locked ? t('locked', { count: user.lock.failedAttemptsLastHour }) : t('notLocked')}</p>
      {user.lock.locked || user.lock.failedAttemptsLastHour > 0 ? (
        <ConfirmButton
          label={t('unlock')}
          question={t('unlockConfirm', { email: user.email })}
          onConfirm={() => act(() => ok(api.POST('/admin/users/{id}/unlock', path)))}
        />
      ) : null}
      <h3>{t('sessions')}</h3>
      <ul>
        {user.sessions.map((s) => (
          <li key={s.id}>
            {s.aal} · {s.amr.join('+')} · {formatDate(s.lastUsedAt)} · {s.ip ?? '—'} · {s.userAgent ?? '—'}
          </li>
        ))}
      </ul>
    </>
  );
}
