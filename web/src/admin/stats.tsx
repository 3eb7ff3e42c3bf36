import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.js';
import { t } from '../i18n.js';
import { ErrorSummary, Field, fieldErrors, useAction } from '../ui.js';
import { StatsCharts } from './stats-charts.js';

type Stats = Schemas['MfaStatsDto'];

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const rate = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((part / whole) * 1000) / 10} %`);

/** The MFA statistics of a window: totals, charts, and the same numbers as tables (what the charts show, readable without them). */
export function StatsPage() {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 29 * 86_400_000)));
  const [to, setTo] = useState(isoDay(new Date(today.getTime() + 86_400_000)));
  const [stats, setStats] = useState<Stats | null>(null);
  const action = useAction();
  const errors = fieldErrors(action.error);
  const load = () =>
    action.run(async () => setStats(await ok(api.GET('/admin/mfa/stats', { params: { query: { from, to } } }))));
  useEffect(() => void load(), []);
  return (
    <>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <ErrorSummary error={action.error} />
        <Field name="from" type="date" label={t('from')} value={from} error={errors.from} onInput={setFrom} />
        <Field name="to" type="date" label={t('to')} value={to} error={errors.to} onInput={setTo} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t('filter')}
        </button>
      </form>
      {stats ? (
        <>
          <dl class="totals">
            <div>
              <dt>{t('sent')}</dt>
              <dd>{stats.totals.sent}</dd>
            </div>
            <div>
              <dt>{t('deliveryRate')}</dt>
              <dd>{rate(stats.totals.delivered, stats.totals.sent)}</dd>
            </div>
            <div>
              <dt>{t('conversion')}</dt>
              <dd>{rate(stats.totals.verified, stats.totals.sent)}</dd>
            </div>
          </dl>
          <StatsCharts stats={stats} />
          <h2>{t('byDay')}</h2>
          {stats.byDay.length === 0 ? <p>{t('noData')}</p> : null}
          <table>
            <thead>
              <tr>
                <th scope="col">{t('day')}</th>
                <th scope="col">{t('sent')}</th>
                <th scope="col">{t('delivered')}</th>
                <th scope="col">{t('verified')}</th>
                <th scope="col">{t('deliveryRate')}</th>
                <th scope="col">{t('conversion')}</th>
              </tr>
            </thead>
            <tbody>
              {stats.byDay.map((d) => (
                <tr key={d.day}>
                  <td>{d.day}</td>
                  <td>{d.sent}</td>
                  <td>{d.delivered}</td>
                  <td>{d.verified}</td>
                  <td>{rate(d.delivered, d.sent)}</td>
                  <td>{rate(d.verified, d.sent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>{t('volumeByCountry')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('country')}</th>
                <th scope="col">{t('sent')}</th>
                <th scope="col">{t('delivered')}</th>
                <th scope="col">{t('failed')}</th>
              </tr>
            </thead>
            <tbody>
              {stats.byCountry.map((c) => (
                <tr key={c.country}>
                  <td>{c.country}</td>
                  <td>{c.sent}</td>
                  <td>{c.delivered}</td>
                  <td>{c.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </>
  );
}
