import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.js';
import { t } from '../i18n.js';
import {
  ConfirmButton,
  ErrorSummary,
  Field,
  fieldErrors,
  formatDate,
  Link,
  NewPasswordField,
  Notice,
  Page,
  useAction,
} from '../ui.js';
import { signOutButton } from './account.js';
import { useStepUp } from './step-up.js';

type SessionView = Schemas['SessionViewDto'];
type Device = Schemas['TrustedDeviceDto'];

/** POST /me/password, with the step-up the server asks for when the sign-in is not recent enough. */
export function ChangePasswordPage() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [changed, setChanged] = useState(false);
  const action = useAction();
  const stepUp = useStepUp();
  const errors = fieldErrors(action.error);
  return (
    <Page title={t('changePassword')} nav={signOutButton()}>
      {changed ? <Notice>{t('passwordChanged')}</Notice> : null}
      {stepUp.panel}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            setChanged(false);
            await stepUp.guard(async () => {
              await ok(api.POST('/me/password', { body: { currentPassword, newPassword } }));
            });
            setCurrent('');
            setNew('');
            setChanged(true);
          });
        }}
      >
        <ErrorSummary error={action.error} />
        <Field
          name="currentPassword"
          type="password"
          label={t('currentPassword')}
          value={currentPassword}
          onInput={setCurrent}
          error={errors.currentPassword}
          autocomplete="current-password"
          required
        />
        <NewPasswordField
          name="newPassword"
          label={t('newPassword')}
          value={newPassword}
          onInput={setNew}
          error={errors.newPassword}
        />
        <button type="submit" class="primary" disabled={action.busy}>
          {t('changePassword')}
        </button>
      </form>
      <p>
        <Link href="/app/account">{t('backToAccount')}</Link>
      </p>
    </Page>
  );
}

/** My sessions (end one, or every other) and my remembered devices (forget one). */
export function SessionsPage() {
  const [sessions, setSessions] = useState<SessionView[]>([]);
  const [devices, setDevices] = useState<Device[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const load = useAction();
  const action = useAction();
  const stepUp = useStepUp();
  const refresh = () =>
    load.run(async () => {
      setSessions(await ok(api.GET('/me/sessions')));
      setDevices(await ok(api.GET('/me/devices')));
    });
  useEffect(() => void refresh(), []);
  const change = (run: () => Promise<void>, done: string) =>
    action.run(async () => {
      setMessage(null);
      await stepUp.guard(run);
      setMessage(done);
      await refresh();
    });

  return (
    <Page title={t('sessionsTitle')} nav={signOutButton()}>
      <ErrorSummary error={load.error ?? action.error} />
      {message ? <Notice>{message}</Notice> : null}
      {stepUp.panel}
      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('mySessions')}</h2>
        <ul class="factors" data-testid="sessions">
          {sessions.map((s) => (
            <li key={s.id}>
              <strong>{s.device ?? t('unknownDevice')}</strong>
              {s.current ? <> ({t('thisSession')})</> : null}
              <br />
              <span class="hint">
                {t('sessionDetails', {
                  created: formatDate(s.createdAt),
                  used: formatDate(s.lastUsedAt),
                  ip: s.ip ?? '—',
                  aal: s.aal,
                })}
              </span>
              {s.current ? null : (
                <div class="actions">
                  <ConfirmButton
                    label={t('endSession')}
                    danger
                    question={t('endSessionConfirm', { device: s.device ?? t('unknownDevice') })}
                    onConfirm={() =>
                      change(async () => {
                        await ok(api.DELETE('/me/sessions/{id}', { params: { path: { id: s.id } } }));
                      }, t('sessionEnded'))
                    }
                  />
                </div>
              )}
            </li>
          ))}
        </ul>
        {sessions.length > 1 ? (
          <ConfirmButton
            label={t('signOutOthers')}
            danger
            question={t('signOutOthersConfirm')}
            onConfirm={() =>
              change(async () => {
                await ok(api.POST('/me/sessions/revoke-others'));
              }, t('othersSignedOut'))
            }
          />
        ) : null}
      </section>
      <section aria-labelledby="devices-title">
        <h2 id="devices-title">{t('myDevices')}</h2>
        <p class="hint">{t('devicesIntro')}</p>
        {!load.busy && devices.length === 0 ? <p>{t('noDevices')}</p> : null}
        <ul class="factors" data-testid="devices">
          {devices.map((d) => (
            <li key={d.id}>
              <strong>{d.label}</strong>
              <br />
              <span class="hint">
                {t('deviceDetails', { created: formatDate(d.createdAt), expires: formatDate(d.expiresAt) })}
              </span>
              <div class="actions">
                <ConfirmButton
                  label={t('forgetDevice')}
                  danger
                  question={t('forgetDeviceConfirm')}
                  onConfirm={() =>
                    change(async () => {
                      await ok(api.DELETE('/me/devices/{id}', { params: { path: { id: d.id } } }));
                    }, t('deviceForgotten'))
                  }
                />
              </div>
            </li>
          ))}
        </ul>
      </section>
      <p>
        <Link href="/app/account">{t('backToAccount')}</Link>
      </p>
    </Page>
  );
}
