import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { ErrorSummary, Field, fieldErrors, formatDate, useAction } from '../ui.js';

type Filters = { userId: string; type: string; from: string; to: string };
const FILTERS: Array<keyof Filters> = ['userId', 'type', 'from', 'to'];

/** The audit log, newest first, filtered by user, type and time; the filters live in the address so a view can be shared. */
export function AuditLog() {
  const params = new URLSearchParams(location.search);
  const [filters, setFilters] = useState<Filters>({
    userId: params.get('userId') ?? '',
    type: params.get('type') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  });
  const [page, setPage] = useState<Schemas['AuditEventPageDto'] | null>(null);
  const action = useAction();
  const errors = fieldErrors(action.error);
  const query = (cursor?: string) => {
    const q: Record<string, string> = {};
    for (const key of FILTERS) if (filters[key].trim()) q[key] = filters[key].trim();
    if (cursor) q.cursor = cursor;
    return q;
  };
  const load = (cursor?: string) =>
    action.run(async () => {
      const next = await ok(api.GET('/admin/audit-events', { params: { query: query(cursor) } }));
      setPage(cursor && page ? { items: [...page.items, ...next.items], nextCursor: next.nextCursor } : next);
    });
  useEffect(() => void load(), []);
  return (
    <>
      <form
        role="search"
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const q = new URLSearchParams(query()).toString();
          navigate(`/admin/console/audit${q ? `?${q}` : ''}`, { replace: true });
          void load();
        }}
      >
        <ErrorSummary error={action.error} />
        <Field
          name="userId"
          label={t('userId')}
          value={filters.userId}
          error={errors.userId}
          onInput={(userId) => setFilters({ ...filters, userId })}
        />
        <Field
          name="type"
          label={t('eventType')}
          hint="mfa.code.failed, admin.mfa.reset…"
          value={filters.type}
          error={errors.type}
          onInput={(type) => setFilters({ ...filters, type })}
        />
        <Field
          name="from"
          type="date"
          label={t('from')}
          value={filters.from}
          error={errors.from}
          onInput={(from) => setFilters({ ...filters, from })}
        />
        <Field
          name="to"
          type="date"
          label={t('to')}
          value={filters.to}
          error={errors.to}
          onInput={(to) => setFilters({ ...filters, to })}
        />
        <button type="submit" class="primary" disabled={action.busy}>
          {t('filter')}
        </button>
      </form>
      {page ? (
        page.items.length === 0 ? (
          <p role="status">{t('noResults')}</p>
        ) : (
          <table data-testid="audit-events">
            <caption class="visually-hidden">{t('audit')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('when')}</th>
                <th scope="col">{t('event')}</th>
                <th scope="col">{t('user')}</th>
                <th scope="col">{t('actor')}</th>
                <th scope="col">{t('details')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((event) => (
                <tr key={event.id}>
                  <td>{formatDate(event.createdAt)}</td>
                  <td>
                    <code>{event.type}</code>
                  </td>
                  <td>
                    <code>{event.userId ?? '—'}</code>
                  </td>
                  <td>
                    <code>{event.actorId ?? '—'}</code>
                  </td>
                  <td>
                    <code>{Object.keys(event.metadata).length ? JSON.stringify(event.metadata) : ''}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {page?.nextCursor ? (
        <button type="button" onClick={() => void load(page.nextCursor!)} disabled={action.busy}>
          {t('more')}
        </button>
      ) : null}
    </>
  );
}
