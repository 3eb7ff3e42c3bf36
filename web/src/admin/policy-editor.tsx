import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.js';
import { t, type MessageKey } from '../i18n.js';
import { useStepUp } from '../pages/step-up.js';
import { ErrorSummary, Field, fieldErrors, Notice, useAction } from '../ui.js';

type Policy = Schemas['MfaPolicyDto'];
type SmsKey = Exclude<keyof Policy['sms'], 'allowedCountries'>;
const SMS_NUMBERS: SmsKey[] = [
  'codeLength',
  'ttlSeconds',
  'maxAttempts',
  'resendCooldownSeconds',
  'maxResends',
  'maxSendsPerHourPerUser',
];
const FACTORS: Policy['allowedFactors'] = ['sms', 'totp', 'webauthn', 'recovery_code'];
const MODES: Policy['mode'][] = ['off', 'optional', 'required'];

/** The policy as the form edits it: numbers as typed, so an invalid entry reaches the server's validation and comes back tied to its field. */
interface Draft {
  mode: Policy['mode'];
  requiredAdmin: boolean;
  allowedFactors: Policy['allowedFactors'];
  sms: Record<SmsKey, string>;
  allowedCountries: string;
  stepUpMaxAgeSeconds: string;
  mfaTokenTtlSeconds: string;
  minFactors: string;
}

const toDraft = (p: Policy): Draft => ({
  mode: p.mode,
  requiredAdmin: p.requiredRoles.includes('admin'),
  allowedFactors: p.allowedFactors,
  sms: Object.fromEntries(SMS_NUMBERS.map((k) => [k, String(p.sms[k])])) as Record<SmsKey, string>,
  allowedCountries: p.sms.allowedCountries.join(', '),
  stepUpMaxAgeSeconds: String(p.stepUpMaxAgeSeconds),
  mfaTokenTtlSeconds: String(p.mfaTokenTtlSeconds),
  // Documents saved before the field existed do not carry it; the server reads them as one factor.
  minFactors: String(p.minFactors ?? 1),
});

const number = (text: string) => (text.trim() === '' ? (undefined as unknown as number) : Number(text));

/** The loaded document with the form's edits: parts the form does not edit (rules, grace) are sent back as they were. */
const fromDraft = (loaded: Policy, d: Draft): Policy => ({
  ...loaded,
  mode: d.mode,
  requiredRoles: d.requiredAdmin ? ['admin'] : [],
  allowedFactors: d.allowedFactors,
  sms: {
    ...(Object.fromEntries(SMS_NUMBERS.map((k) => [k, number(d.sms[k])])) as Record<SmsKey, number>),
    allowedCountries: d.allowedCountries
      .split(',')
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean),
  },
  stepUpMaxAgeSeconds: number(d.stepUpMaxAgeSeconds),
  mfaTokenTtlSeconds: number(d.mfaTokenTtlSeconds),
  minFactors: number(d.minFactors),
});

type DryRun = Schemas['DryRunReportDto'];
const EFFECTS = ['forcedToEnrol', 'inEnrollmentGrace', 'lockedOut', 'moreFactorsRequired', 'shorterStepUp'] as const;

/** What POST /admin/mfa/policy/dry-run reports: who each change affects and what each rule's next login asks. */
function DryRunReport(props: { report: DryRun }) {
  const { report } = props;
  return (
    <section aria-labelledby="preview-title" class="preview" data-testid="dry-run">
      <h2 id="preview-title">{t('previewTitle')}</h2>
      <p>{t('previewUsers', { users: report.users, version: report.comparedWithVersion })}</p>
      <dl>
        {EFFECTS.map((effect) => (
          <div key={effect} data-testid={`dry-run-${effect}`}>
            <dt>{t(`effect_${effect}`)}</dt>
            <dd>{t('previewCount', { count: report[effect].count, newly: report[effect].newly })}</dd>
          </div>
        ))}
      </dl>
      <table>
        <caption>{t('previewRules')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('rule')}</th>
            <th scope="col">{t('matched')}</th>
            <th scope="col">{t('outcome_authenticated')}</th>
            <th scope="col">{t('outcome_mfa_required')}</th>
            <th scope="col">{t('outcome_mfa_enrollment_required')}</th>
          </tr>
        </thead>
        <tbody>
          {report.rules.map((rule) => (
            <tr key={rule.name}>
              <td>{rule.name}</td>
              <td>{rule.matched}</td>
              <td>{rule.outcomes.authenticated}</td>
              <td>{rule.outcomes.mfa_required}</td>
              <td>{rule.outcomes.mfa_enrollment_required}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function PolicyEditor() {
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [preview, setPreview] = useState<DryRun | null>(null);
  const load = useAction();
  const action = useAction();
  const stepUp = useStepUp();
  const errors = fieldErrors(action.error);

  useEffect(
    () =>
      void load.run(async () => {
        const current = await ok(api.GET('/admin/mfa/policy'));
        setPolicy(current);
        setDraft(toDraft(current));
      }),
    [],
  );
  if (!policy || !draft) return <ErrorSummary error={load.error} />;
  const edit = (change: Partial<Draft>) => {
    setDraft({ ...draft, ...change });
    setPreview(null);
  };

  // Nothing is saved: the server evaluates the edited document against every account.
  const runPreview = () =>
    action.run(async () =>
      setPreview(await ok(api.POST('/admin/mfa/policy/dry-run', { body: fromDraft(policy, draft) }))),
    );

  return (
    <>
      {stepUp.panel}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(null);
          void action.run(() =>
            stepUp.guard(async () => {
              const next = await ok(
                api.PUT('/admin/mfa/policy', {
                  body: fromDraft(policy, draft),
                  headers: { 'if-match': String(policy.version) },
                }),
              );
              setPolicy(next);
              setDraft(toDraft(next));
              setSaved(t('saved', { version: next.version }));
            }),
          );
        }}
      >
        <p>{t('version', { version: policy.version })}</p>
        {saved ? <Notice>{saved}</Notice> : null}
        <ErrorSummary error={action.error} />
        <fieldset>
          <legend>{t('mode')}</legend>
          {errors.mode ? <p class="field-error">{errors.mode}</p> : null}
          {MODES.map((mode) => (
            <div class="check" key={mode}>
              <input
                type="radio"
                id={`mode-${mode}`}
                name="mode"
                checked={draft.mode === mode}
                onChange={() => edit({ mode })}
              />
              <label for={`mode-${mode}`}>{t(`mode_${mode}` as MessageKey)}</label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('requiredRoles')}</legend>
          <div class="check">
            <input
              type="checkbox"
              id="role-admin"
              checked={draft.requiredAdmin}
              onChange={(e) => edit({ requiredAdmin: e.currentTarget.checked })}
            />
            <label for="role-admin">admin</label>
          </div>
        </fieldset>
        <fieldset aria-describedby={errors.allowedFactors ? 'allowed-factors-error' : undefined}>
          <legend>{t('allowedFactors')}</legend>
          {errors.allowedFactors ? (
            <p class="field-error" id="allowed-factors-error">
              {errors.allowedFactors}
            </p>
          ) : null}
          {FACTORS.map((factor) => (
            <div class="check" key={factor}>
              <input
                type="checkbox"
                id={`factor-${factor}`}
                checked={draft.allowedFactors.includes(factor)}
                onChange={(e) =>
                  edit({
                    allowedFactors: e.currentTarget.checked
                      ? [...draft.allowedFactors, factor]
                      : draft.allowedFactors.filter((f) => f !== factor),
                  })
                }
              />
              <label for={`factor-${factor}`}>{t(`factor_${factor}` as MessageKey)}</label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('factor_sms')}</legend>
          {SMS_NUMBERS.map((key) => (
            <Field
              key={key}
              name={`sms.${key}`}
              label={t(key)}
              type="number"
              inputMode="numeric"
              value={draft.sms[key]}
              error={errors[`sms.${key}`]}
              onInput={(value) => edit({ sms: { ...draft.sms, [key]: value } })}
            />
          ))}
          <Field
            name="sms.allowedCountries"
            label={t('allowedCountries')}
            value={draft.allowedCountries}
            error={
              Object.entries(errors)
                .filter(([field]) => field.startsWith('sms.allowedCountries'))
                .map(([, message]) => message)
                .join('; ') || undefined
            }
            onInput={(value) => edit({ allowedCountries: value })}
          />
        </fieldset>
        <Field
          name="stepUpMaxAgeSeconds"
          label={t('stepUpMaxAgeSeconds')}
          type="number"
          value={draft.stepUpMaxAgeSeconds}
          error={errors.stepUpMaxAgeSeconds}
          onInput={(value) => edit({ stepUpMaxAgeSeconds: value })}
        />
        <Field
          name="minFactors"
          label={t('minFactors')}
          type="number"
          value={draft.minFactors}
          error={errors.minFactors}
          onInput={(value) => edit({ minFactors: value })}
        />
        <Field
          name="mfaTokenTtlSeconds"
          label={t('mfaTokenTtlSeconds')}
          type="number"
          value={draft.mfaTokenTtlSeconds}
          error={errors.mfaTokenTtlSeconds}
          onInput={(value) => edit({ mfaTokenTtlSeconds: value })}
        />
        {preview ? <DryRunReport report={preview} /> : null}
        <div class="actions">
          <button type="button" onClick={() => void runPreview()} disabled={action.busy}>
            {t('preview')}
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            {t('save')}
          </button>
        </div>
      </form>
    </>
  );
}
