import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.js';
import { afterActivation, enrolmentHeaders, pendingEnrolment } from '../flow.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { useSignal } from '../signal.js';
import { ErrorSummary, Field, fieldErrors, Link, Page, useAction } from '../ui.js';
import { useStepUp } from './step-up.js';
import { ResendButton } from './second-factor.js';

type Activated = Schemas['ActivatedFactorDto'];

/** Where enrolment ends: the login's destination, or the account page. */
function finish(activated: Activated): void {
  const next = pendingEnrolment.get()?.next ?? '/app/account';
  afterActivation(activated);
  navigate(next.startsWith('/admin') ? next : '/app/enrol/recovery', { replace: true });
}

/** Activates a pending factor with its first code, then moves on. */
async function activate(factorId: string, body: Schemas['ActivateFactorDto']): Promise<void> {
  const params = { path: { id: factorId } };
  finish(await ok(api.POST('/me/mfa/factors/{id}/activate', { params, body, headers: enrolmentHeaders() })));
}

/** The choice of a first (or another) factor, each with what it is and why. */
export function EnrolChoicePage() {
  const pending = useSignal(pendingEnrolment);
  const allowed = pending?.allowedFactors ?? ['sms', 'totp', 'webauthn'];
  return (
    <Page title={t('addFactor')}>
      {pending ? <p class="notice">{t('enrolRequired')}</p> : null}
      <ul class="choices">
        {allowed.includes('sms') ? (
          <li>
            <Link href="/app/enrol/sms">{t('addSms')}</Link>
            <p class="hint">{t('smsAbout')}</p>
          </li>
        ) : null}
        {allowed.includes('totp') ? (
          <li>
            <Link href="/app/enrol/totp">{t('addTotp')}</Link>
            <p class="hint">{t('totpAbout')}</p>
          </li>
        ) : null}
        {allowed.includes('webauthn') ? (
          <li>
            <Link href="/app/enrol/passkey">{t('addPasskey')}</Link>
            <p class="hint">{t('passkeyAbout')}</p>
          </li>
        ) : null}
      </ul>
    </Page>
  );
}

export function SmsEnrolPage() {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [enrolment, setEnrolment] = useState<Schemas['SmsEnrolmentDto'] | null>(null);
  const action = useAction();
  const errors = fieldErrors(action.error);
  return (
    <Page title={t('smsTitle')}>
      <p>{t('smsAbout')}</p>
      <ul class="advice">
        <li>{t('smsAdvice1')}</li>
        <li>{t('smsAdvice2')}</li>
        <li>{t('smsAdvice3')}</li>
      </ul>
      <p class="hint">{t('smsLost')}</p>
      {!enrolment ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              setEnrolment(
                await ok(
                  api.POST('/me/mfa/factors/sms', { body: { phone: phone.trim() }, headers: enrolmentHeaders() }),
                ),
              );
            });
          }}
        >
          <ErrorSummary error={action.error} />
          <Field
            name="phone"
            type="tel"
            label={t('phone')}
            hint={t('phoneHint')}
            value={phone}
            onInput={setPhone}
            error={errors.phone}
            autocomplete="tel"
            required
          />
          <button type="submit" class="primary" disabled={action.busy}>
            {t('sendCode')}
          </button>
        </form>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await activate(enrolment.factorId, { challengeId: enrolment.challengeId, code: code.trim() });
            });
          }}
        >
          <p>{t('smsSentTo', { destination: enrolment.destination })}</p>
          <ErrorSummary error={action.error} />
          <Field
            name="code"
            label={t('code')}
            hint={t('smsCodeHint')}
            value={code}
            onInput={setCode}
            error={errors.code}
            autocomplete="one-time-code"
            inputMode="numeric"
            required
            autoFocus
          />
          <div class="actions">
            <button type="submit" class="primary" disabled={action.busy}>
              {t('confirmCode')}
            </button>
          </div>
          <ResendButton
            availableAt={enrolment.resendAvailableAt}
            disabled={action.busy}
            onResend={() =>
              void action.run(async () => {
                const next = await ok(
                  api.POST('/auth/mfa/challenges/{id}/resend', {
                    params: { path: { id: enrolment.challengeId } },
                    headers: enrolmentHeaders(),
                  }),
                );
                setEnrolment({ ...enrolment, ...next, challengeId: next.challengeId });
              })
            }
          />
        </form>
      )}
    </Page>
  );
}

export function TotpEnrolPage() {
  const [enrolment, setEnrolment] = useState<Schemas['TotpEnrolmentDto'] | null>(null);
  const [code, setCode] = useState('');
  const action = useAction();
  const errors = fieldErrors(action.error);
  return (
    <Page title={t('totpTitle')}>
      <p>{t('totpAbout')}</p>
      <p class="hint">{t('totpLost')}</p>
      {!enrolment ? (
        <>
          <ErrorSummary error={action.error} />
          <button
            type="button"
            class="primary"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () =>
                setEnrolment(await ok(api.POST('/me/mfa/factors/totp', { body: {}, headers: enrolmentHeaders() }))),
              )
            }
          >
            {t('continue')}
          </button>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await activate(enrolment.factorId, { code: code.trim() });
            });
          }}
        >
          <p>{t('totpScan')}</p>
          <img
            class="qr"
            alt={t('totpQrAlt')}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
            width={200}
            height={200}
          />
          <p>
            {t('totpSecret')}:{' '}
            <code class="secret" data-testid="totp-secret">
              {enrolment.secret}
            </code>
          </p>
          <ErrorSummary error={action.error} />
          <Field
            name="code"
            label={t('code')}
            hint={t('totpCodeHint')}
            value={code}
            onInput={setCode}
            error={errors.code}
            autocomplete="one-time-code"
            inputMode="numeric"
            required
          />
          <button type="submit" class="primary" disabled={action.busy}>
            {t('confirmCode')}
          </button>
        </form>
      )}
    </Page>
  );
}

export function PasskeyEnrolPage() {
  const [label, setLabel] = useState('');
  const action = useAction();
  const supported = typeof PublicKeyCredential !== 'undefined';
  return (
    <Page title={t('passkeyTitle')}>
      <p>{t('passkeyAbout')}</p>
      <p class="hint">{t('passkeyLost')}</p>
      {!supported ? <p class="notice">{t('passkeyUnsupported')}</p> : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const options = await ok(api.POST('/me/mfa/factors/webauthn/options', { headers: enrolmentHeaders() }));
            const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(
              options as unknown as PublicKeyCredentialCreationOptionsJSON,
            );
            const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
            if (!credential) throw new DOMException('no credential', 'NotAllowedError');
            finish(
              await ok(
                api.POST('/me/mfa/factors/webauthn', {
                  body: {
                    credential: credential.toJSON() as unknown as Record<string, unknown>,
                    ...(label.trim() ? { label: label.trim() } : {}),
                  },
                  headers: enrolmentHeaders(),
                }),
              ),
            );
          });
        }}
      >
        <ErrorSummary error={action.error} />
        <Field name="label" label={t('label')} value={label} onInput={setLabel} maxLength={64} />
        <button type="submit" class="primary" disabled={action.busy || !supported}>
          {t('passkeyCreate')}
        </button>
      </form>
    </Page>
  );
}

/** New recovery codes: shown once, with download and print, and a check that they were saved before leaving. */
export function RecoveryCodesPage() {
  const [codes, setCodes] = useState<string[] | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const stepUp = useStepUp();
  const download = () => {
    const url = URL.createObjectURL(
      new Blob([`${t('recoveryTitle')} — ${location.host}\n\n${codes!.join('\n')}\n`], { type: 'text/plain' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = 'sesame-recovery-codes.txt';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <Page title={t('recoveryTitle')}>
      <p>{t('recoveryAbout')}</p>
      <ErrorSummary error={action.error} />
      {stepUp.panel}
      {!codes ? (
        <div class="actions">
          <button
            type="button"
            class="primary"
            disabled={action.busy}
            onClick={() =>
              void action.run(() =>
                stepUp.guard(async () => {
                  setCodes((await ok(api.POST('/me/mfa/recovery-codes'))).codes);
                }),
              )
            }
          >
            {t('newRecoveryCodes')}
          </button>
          <Link href="/app/account">{t('back')}</Link>
        </div>
      ) : (
        <>
          <ol class="codes" data-testid="recovery-codes">
            {codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ol>
          <div class="actions no-print">
            <button type="button" onClick={download}>
              {t('download')}
            </button>
            <button type="button" onClick={() => print()}>
              {t('print')}
            </button>
          </div>
          <div class="check no-print">
            <input
              type="checkbox"
              id="saved-codes"
              checked={saved}
              onChange={(e) => setSaved(e.currentTarget.checked)}
            />
            <label for="saved-codes">{t('savedThem')}</label>
          </div>
          <button type="button" class="primary no-print" disabled={!saved} onClick={() => navigate('/app/account')}>
            {t('done')}
          </button>
        </>
      )}
    </Page>
  );
}
