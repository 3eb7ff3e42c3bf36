import { useState } from 'preact/hooks';
import { api, ok, saveSession, SesameProblem, type FactorSummary } from '../api.js';
import { t } from '../i18n.js';
import { SecondFactor } from './second-factor.js';

/**
 * Runs a change; when the server answers STEP_UP_REQUIRED, asks for a second
 * factor (POST /auth/step-up, then verify), keeps the fresh session and runs
 * the change again.
 */
export function useStepUp() {
  const [pending, setPending] = useState<{
    mfaToken: string;
    factors: FactorSummary[];
    retry: () => Promise<void>;
    done: (e?: unknown) => void;
  } | null>(null);
  const guard = async (change: () => Promise<void>): Promise<void> => {
    try {
      await change();
    } catch (error) {
      if (!(error instanceof SesameProblem) || error.code !== 'STEP_UP_REQUIRED') throw error;
      const stepUp = await ok(api.POST('/auth/step-up'));
      await new Promise<void>((resolve, reject) =>
        setPending({
          mfaToken: stepUp.mfaToken,
          factors: stepUp.factors,
          retry: change,
          done: (e) => (e ? reject(e) : resolve()),
        }),
      );
    }
  };
  const panel = pending ? (
    <section class="step-up" aria-labelledby="step-up-title">
      <h2 id="step-up-title">{t('stepUpTitle')}</h2>
      <p>{t('stepUpIntro')}</p>
      <SecondFactor
        mfaToken={pending.mfaToken}
        factors={pending.factors}
        onTokens={(tokens) => {
          saveSession(tokens);
          setPending(null);
          pending.retry().then(() => pending.done(), pending.done);
        }}
      />
      <button type="button" onClick={() => (setPending(null), pending.done(new Error(t('cancel'))))}>
        {t('cancel')}
      </button>
    </section>
  ) : null;
  return { guard, panel };
}
