import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { SesameProblem } from './api.js';
import { isMessageKey, language, LANGUAGES, setLanguage, t, type Language, type MessageKey } from './i18n.js';
import { navigate } from './router.js';
import { useSignal } from './signal.js';

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', es: 'Español', fr: 'Français', de: 'Deutsch' };

/** Every page: a skip link, the header (title, language, extra actions) and one main region whose heading takes focus on navigation. */
export function Page(props: { title: string; nav?: ComponentChildren; children: ComponentChildren }) {
  useSignal(language);
  useEffect(() => {
    document.title = `${props.title} · ${t('appName')}`;
  }, [props.title]);
  return (
    <>
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="top">
        <span class="brand">{t('appName')}</span>
        {props.nav ? <nav aria-label={t('appName')}>{props.nav}</nav> : null}
        <label class="language">
          {t('language')}{' '}
          <select value={language.get()} onChange={(e) => setLanguage(e.currentTarget.value as Language)}>
            {LANGUAGES.map((code) => (
              <option key={code} value={code} lang={code}>
                {LANGUAGE_NAMES[code]}
              </option>
            ))}
          </select>
        </label>
      </header>
      <main id="main">
        <h1 tabIndex={-1}>{props.title}</h1>
        {props.children}
      </main>
    </>
  );
}

/** An in-app link: a real anchor (open in a new tab works) that navigates without a reload. */
export function Link(props: { href: string; children: ComponentChildren; class?: string }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

/** The message for a problem, in the user's language, switched on its `code`, never on its text. */
export function problemText(error: unknown): string {
  if (error instanceof SesameProblem) {
    const key = `problem_${error.code}`;
    const parts = [isMessageKey(key) ? t(key, { requestId: error.problem.requestId ?? '' }) : error.problem.title];
    if (typeof error.problem.attemptsRemaining === 'number' && error.code === 'MFA_INVALID_CODE') {
      parts.push(t('attemptsRemaining', { count: error.problem.attemptsRemaining }));
    }
    if (error.retryAfterSeconds !== null) parts.push(t('retryAfter', { seconds: error.retryAfterSeconds }));
    return parts.join(' ');
  }
  if (error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'AbortError'))
    return t('problem_WEBAUTHN_CANCELLED');
  return error instanceof Error ? error.message : String(error);
}

/** Field-level messages of a VALIDATION_FAILED problem, by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof SesameProblem) || error.code !== 'VALIDATION_FAILED') return {};
  const out: Record<string, string> = {};
  for (const { field, message } of error.problem.errors ?? [])
    out[field] = out[field] ? `${out[field]}; ${message}` : message;
  return out;
}

/** A form-level alert: announced when it appears, and focused so keyboard users land on it. */
export function ErrorSummary(props: { error: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (props.error) ref.current?.focus();
  }, [props.error]);
  if (!props.error) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={ref}>
      {problemText(props.error)}
    </div>
  );
}

export function Notice(props: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {props.children}
    </p>
  );
}

let fieldCounter = 0;
const useId = (prefix: string) => useState(() => `${prefix}-${++fieldCounter}`)[0];

/** A labelled input whose hint and error are tied to it (aria-describedby), marked invalid when it has an error. */
export function Field(props: {
  label: string;
  hint?: string;
  error?: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'email' | 'password' | 'tel' | 'number' | 'search' | 'date';
  autocomplete?: string;
  inputMode?: 'text' | 'numeric' | 'tel' | 'email' | 'search';
  pattern?: string;
  required?: boolean;
  autoFocus?: boolean;
  minLength?: number;
  maxLength?: number;
  spellcheck?: boolean;
}) {
  const { label, hint, error, onInput, value, name, ...rest } = props;
  const id = useId(name);
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
      <input
        {...(rest as InputHTMLAttributes)}
        id={id}
        name={name}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </div>
  );
}

/** A password being chosen (registration, reset, change): the length rule as its hint, and the browser offers to generate one. */
export function NewPasswordField(props: {
  name: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
}) {
  return (
    <Field {...props} type="password" hint={t('passwordHint')} autocomplete="new-password" minLength={8} required />
  );
}

/** The account's email address, as sign-in, registration and the reset request ask for it. */
export function EmailField(props: { value: string; onInput: (value: string) => void; error?: string }) {
  return <Field {...props} name="email" type="email" label={t('email')} autocomplete="username" required />;
}

/** Runs an action with a busy flag and keeps its error for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/**
 * A confirmation in a modal <dialog>: focus moves in, Escape cancels, focus
 * returns to the opener. The dialog closes before the action runs, so what
 * the action asks next (a step-up) is not hidden behind it; the caller shows
 * the action's errors.
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  onConfirm: () => Promise<void>;
  danger?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId('confirm');
  return (
    <>
      <button type="button" class={props.danger ? 'danger' : undefined} onClick={() => dialog.current?.showModal()}>
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            dialog.current?.close();
            void props.onConfirm();
          }}
        >
          <h2 id={titleId}>{props.label}</h2>
          <p>{props.question}</p>
          <div class="actions">
            <button type="submit" class={props.danger ? 'danger' : 'primary'}>
              {t('confirm')}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              {t('cancel')}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

export function factorName(type: string): string {
  const key = `factor_${type}` as MessageKey;
  return isMessageKey(key) ? t(key) : type;
}

export function formatDate(iso: string | null): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(language.get(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
