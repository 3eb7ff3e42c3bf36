import { useEffect, useState } from 'preact/hooks';
import { api, ok, saveSession, SesameProblem, type Schemas } from '../api.js';
import { useStepUp } from './step-up.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { ConfirmButton, ErrorSummary, factorName, Field, formatDate, Link, Notice, Page, useAction } from '../ui.js';

type Me = Schemas['MeResponseDto'];
type Factor = Schemas['FactorViewDto'];

export function signOutButton() {
  return (
    <button
      type="button"
      class="link"
      onClick={() => {
        void api.POST('/auth/logout').finally(() => {
          saveSession(null);
          navigate('/app/login');
        });
      }}
    >
      {t('signOut')}
    </button>
  );
}

export function AccountPage() {
  const [me, setMe] = useState<Me | null>(null);
  const [factors, setFactors] = useState<Factor[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const load = useAction();
  const stepUp = useStepUp();
  const refresh = () =>
    load.run(async () => {
      setMe(await ok(api.GET('/auth/me')));
      setFactors(await ok(api.GET('/me/mfa/factors')));
    });
  useEffect(() => void refresh(), []);

  return (
    <Page title={t('account')} nav={signOutButton()}>
      <ErrorSummary error={load.error} />
      {load.error instanceof SesameProblem && load.error.code === 'UNAUTHENTICATED' ? (
        <Link href="/app/login">{t('signIn')}</Link>
      ) : null}
      {me ? (
        <p>
          {t('signedInAs', { email: me.email })} · {t('assurance', { aal: me.aal })}
        </p>
      ) : null}
      {message ? <Notice>{message}</Notice> : null}
      {stepUp.panel}
      <section aria-labelledby="factors-title">
        <h2 id="factors-title">{t('factors')}</h2>
        {me && factors.length === 0 ? <p>{t('noFactors')}</p> : null}
        <ul class="factors">
          {factors.map((factor) => (
            <FactorItem
              key={factor.id}
              factor={factor}
              onChanged={(text) => {
                setMessage(text);
                void refresh();
              }}
              guard={stepUp.guard}
            />
          ))}
        </ul>
        <p class="hint">{t('changePhone')}</p>
      </section>
      <section aria-labelledby="security-title">
        <h2 id="security-title">{t('security')}</h2>
        <ul class="links">
          <li>
            <Link href="/app/password">{t('changePassword')}</Link>
          </li>
          <li>
            <Link href="/app/sessions">{t('sessionsTitle')}</Link>
          </li>
        </ul>
      </section>
      <section aria-labelledby="add-title">
        <h2 id="add-title">{t('addFactor')}</h2>
        <ul class="links">
          <li>
            <Link href="/app/enrol/sms">{t('addSms')}</Link>
          </li>
          <li>
            <Link href="/app/enrol/totp">{t('addTotp')}</Link>
          </li>
          <li>
            <Link href="/app/enrol/passkey">{t('addPasskey')}</Link>
          </li>
          <li>
            <Link href="/app/enrol/recovery">{t('newRecoveryCodes')}</Link>
          </li>
          {me?.roles.includes('admin') ? (
            <li>
              <a href="/admin">{t('admin')}</a>
            </li>
          ) : null}
        </ul>
      </section>
    </Page>
  );
}

function FactorItem(props: {
  factor: Factor;
  onChanged: (message: string) => void;
  guard: (change: () => Promise<void>) => Promise<void>;
}) {
  const { factor } = props;
  const [renaming, setRenaming] = useState(false);
  const [label, setLabel] = useState(factor.label);
  const action = useAction();
  const renamable = factor.type === 'totp' || factor.type === 'webauthn';
  return (
    <li>
      <strong>{factorName(factor.type)}</strong> — {factor.label}{' '}
      <span class="status">({t(factor.status === 'active' ? 'status_active' : 'status_pending')})</span>
      <br />
      <span class="hint">
        {factor.lastUsedAt ? t('lastUsed', { date: formatDate(factor.lastUsedAt) }) : t('neverUsed')}
      </span>
      <ErrorSummary error={action.error} />
      {renaming ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await props.guard(async () => {
                await ok(
                  api.PATCH('/me/mfa/factors/{id}', {
                    params: { path: { id: factor.id } },
                    body: { label: label.trim() },
                  }),
                );
              });
              setRenaming(false);
              props.onChanged(t('renamed'));
            });
          }}
        >
          <Field name="label" label={t('label')} value={label} onInput={setLabel} maxLength={64} required />
          <div class="actions">
            <button type="submit" class="primary" disabled={action.busy}>
              {t('save')}
            </button>
            <button type="button" onClick={() => setRenaming(false)}>
              {t('cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div class="actions">
          {renamable ? (
            <button type="button" onClick={() => setRenaming(true)}>
              {t('rename')}
            </button>
          ) : null}
          <ConfirmButton
            label={t('remove')}
            danger
            question={t('removeConfirm', { label: factor.label })}
            onConfirm={() =>
              action.run(async () => {
                await props.guard(async () => {
                  await ok(api.DELETE('/me/mfa/factors/{id}', { params: { path: { id: factor.id } } }));
                });
                props.onChanged(t('factorRemoved'));
              })
            }
          />
        </div>
      )}
    </li>
  );
}
