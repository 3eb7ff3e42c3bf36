import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok, SesameProblem, withMfaToken, type FactorSummary, type Schemas, type VerifiedTokens } from '../api.js';
import { t } from '../i18n.js';
import { ErrorSummary, factorName, Field, useAction } from '../ui.js';

type SmsChallenge = Schemas['SmsChallengeDto'];
type WebauthnChallenge = Schemas['WebauthnChallengeDto'];

/**
 * The second step of a login or a step-up: the user picks one of their
 * factors (or the only one is picked for them) and completes it. Every
 * factor ends in POST /auth/mfa/verify with the mfaToken, which returns the
 * tokens of an aal2 session.
 */
export function SecondFactor(props: {
  mfaToken: string;
  factors: FactorSummary[];
  onTokens: (tokens: VerifiedTokens) => void;
  /** A sign-in (not a step-up): offer "Remember this device", sent as `rememberDevice` with the verify. */
  offerRemember?: boolean;
}) {
  const [remember, setRemember] = useState(false);
  const [chosen, setChosen] = useState<FactorSummary | null>(props.factors.length === 1 ? props.factors[0]! : null);
  if (!chosen) {
    return (
      <section aria-labelledby="choose-factor">
        <h2 id="choose-factor">{t('chooseFactor')}</h2>
        <ul class="choices">
          {props.factors.map((factor) => (
            <li key={factor.id}>
              <button type="button" onClick={() => setChosen(factor)}>
                {factorName(factor.type)}
                {factor.type === 'recovery_code' ? '' : ` — ${factor.label}`}
              </button>
            </li>
          ))}
        </ul>
      </section>
    );
  }
  const others = props.factors.length > 1 ? () => setChosen(null) : null;
  const step = { mfaToken: props.mfaToken, factor: chosen, onTokens: props.onTokens, remember };
  return (
    <section aria-labelledby="second-step">
      <h2 id="second-step">
        {t('secondStep')}: {factorName(chosen.type)}
      </h2>
      {props.offerRemember ? (
        <div class="field">
          <div class="check">
            <input
              type="checkbox"
              id="remember-device"
              checked={remember}
              aria-describedby="remember-device-hint"
              onChange={(e) => setRemember(e.currentTarget.checked)}
            />
            <label for="remember-device">{t('rememberDevice')}</label>
          </div>
          <p class="hint" id="remember-device-hint">
            {t('rememberDeviceHint')}
          </p>
        </div>
      ) : null}
      {chosen.type === 'sms' ? <SmsStep key={chosen.id} {...step} /> : null}
      {chosen.type === 'totp' ? <CodeStep key={chosen.id} {...step} /> : null}
      {chosen.type === 'recovery_code' ? <CodeStep key={chosen.id} {...step} /> : null}
      {chosen.type === 'webauthn' ? <PasskeyStep key={chosen.id} {...step} /> : null}
      {others ? (
        <p>
          <button type="button" class="link" onClick={others}>
            {t('otherFactor')}
          </button>
        </p>
      ) : null}
    </section>
  );
}

interface StepProps {
  mfaToken: string;
  factor: FactorSummary;
  onTokens: (tokens: VerifiedTokens) => void;
  remember: boolean;
}

const verify = (step: StepProps, body: Schemas['VerifyDto']) =>
  ok(
    api.POST('/auth/mfa/verify', {
      body: step.remember ? { ...body, rememberDevice: true } : body,
      headers: withMfaToken(step.mfaToken),
    }),
  ) as Promise<VerifiedTokens>;

/** Whole seconds until `iso`, following the clock. */
export function useSecondsUntil(iso: string | null): number {
  const left = () => (iso ? Math.max(0, Math.ceil((Date.parse(iso) - Date.now()) / 1000)) : 0);
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    setSeconds(left());
    if (!iso) return;
    const timer = setInterval(() => setSeconds(left()), 1000);
    return () => clearInterval(timer);
  }, [iso]);
  return seconds;
}

/** "Send a new code", disabled while the cooldown runs, with the seconds left beside it. */
export function ResendButton(props: { availableAt: string; disabled: boolean; onResend: () => void }) {
  const cooldown = useSecondsUntil(props.availableAt);
  return (
    <div class="actions">
      <button
        type="button"
        onClick={props.onResend}
        disabled={props.disabled || cooldown > 0}
        aria-describedby="resend-when"
      >
        {t('resend')}
      </button>
      <span id="resend-when" class="hint">
        {cooldown > 0 ? t('resendIn', { seconds: cooldown }) : ''}
      </span>
    </div>
  );
}

/** TOTP and recovery codes: no challenge, one field. */
function CodeStep(props: StepProps) {
  const [code, setCode] = useState('');
  const action = useAction();
  const totp = props.factor.type === 'totp';
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () =>
          props.onTokens(
            await verify(
              props,
              totp ? { factorId: props.factor.id, code: code.trim() } : { type: 'recovery_code', code: code.trim() },
            ),
          ),
        );
      }}
    >
      <ErrorSummary error={action.error} />
      <Field
        name="code"
        label={t('code')}
        hint={totp ? t('totpCodeHint') : t('recoveryCodeHint')}
        value={code}
        onInput={setCode}
        autocomplete="one-time-code"
        inputMode={totp ? 'numeric' : 'text'}
        spellcheck={false}
        required
        autoFocus
      />
      <button type="submit" class="primary" disabled={action.busy}>
        {t('verify')}
      </button>
    </form>
  );
}

/** SMS: the challenge sends the code; WebOTP fills it where the browser offers it; resend after the cooldown. */
function SmsStep(props: StepProps) {
  const [challenge, setChallenge] = useState<SmsChallenge | null>(null);
  const [attempts, setAttempts] = useState<number | null>(null);
  const [code, setCode] = useState('');
  const [resent, setResent] = useState(false);
  const start = useAction();
  const action = useAction();
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    void start.run(async () => {
      const created = (await ok(
        api.POST('/auth/mfa/challenges', {
          body: { factorId: props.factor.id },
          headers: withMfaToken(props.mfaToken),
        }),
      )) as SmsChallenge;
      setChallenge(created);
      setAttempts(created.attemptsRemaining);
    });
  }, [props.factor.id]);

  // WebOTP (https://wicg.github.io/web-otp/): the SMS ends with "@domain #code"; the browser offers the code.
  useEffect(() => {
    if (!challenge || !('OTPCredential' in window)) return;
    const abort = new AbortController();
    navigator.credentials
      .get({ otp: { transport: ['sms'] }, signal: abort.signal } as CredentialRequestOptions)
      .then((credential) => {
        const otp = (credential as (Credential & { code?: string }) | null)?.code;
        if (otp) {
          setCode(otp);
          queueMicrotask(() => form.current?.requestSubmit());
        }
      })
      .catch(() => undefined);
    return () => abort.abort();
  }, [challenge?.challengeId]);

  const submit = () =>
    action.run(async () => {
      try {
        props.onTokens(await verify(props, { challengeId: challenge!.challengeId, code: code.trim() }));
      } catch (error) {
        if (error instanceof SesameProblem && typeof error.problem.attemptsRemaining === 'number')
          setAttempts(error.problem.attemptsRemaining);
        throw error;
      }
    });

  const resend = () =>
    action.run(async () => {
      const next = (await ok(
        api.POST('/auth/mfa/challenges/{id}/resend', {
          params: { path: { id: challenge!.challengeId } },
          headers: withMfaToken(props.mfaToken),
        }),
      )) as SmsChallenge;
      setChallenge(next);
      setAttempts(next.attemptsRemaining);
      setCode('');
      setResent(true);
    });

  if (!challenge) return <ErrorSummary error={start.error} />;
  return (
    <form
      ref={form}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <p>{t('smsSentTo', { destination: challenge.destination })}</p>
      {resent ? <p role="status">{t('resent')}</p> : null}
      <ErrorSummary error={action.error} />
      <Field
        name="code"
        label={t('code')}
        hint={`${t('smsCodeHint')}${attempts !== null ? ' ' + t('attemptsRemaining', { count: attempts }) : ''}`}
        value={code}
        onInput={setCode}
        autocomplete="one-time-code"
        inputMode="numeric"
        pattern="[0-9]*"
        required
        autoFocus
      />
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          {t('verify')}
        </button>
      </div>
      <ResendButton availableAt={challenge.resendAvailableAt} disabled={action.busy} onResend={() => void resend()} />
    </form>
  );
}

/** Passkey: the challenge carries the request options; the browser signs them. */
function PasskeyStep(props: StepProps) {
  const action = useAction();
  const go = () =>
    action.run(async () => {
      const challenge = (await ok(
        api.POST('/auth/mfa/challenges', {
          body: { factorId: props.factor.id },
          headers: withMfaToken(props.mfaToken),
        }),
      )) as WebauthnChallenge;
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(
        challenge.options as unknown as PublicKeyCredentialRequestOptionsJSON,
      );
      const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
      if (!credential) throw new DOMException('no credential', 'NotAllowedError');
      props.onTokens(
        await verify(props, {
          challengeId: challenge.challengeId,
          credential: credential.toJSON() as unknown as Record<string, never>,
        }),
      );
    });
  return (
    <div>
      <p class="hint">{t('passkeyHint')}</p>
      <ErrorSummary error={action.error} />
      <button type="button" class="primary" onClick={() => void go()} disabled={action.busy}>
        {t('usePasskey')}
      </button>
    </div>
  );
}
