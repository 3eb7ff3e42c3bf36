import { saveSession, type Schemas, type Tokens } from './api.js';
import { navigate } from './router.js';
import { signal } from './signal.js';

/**
 * A login that must enrol a first factor: its mfaToken works on the
 * enrolment routes, and activating the factor returns the session's tokens.
 */
export interface PendingEnrolment {
  mfaToken: string;
  allowedFactors: Schemas['MfaEnrollmentRequiredResponseDto']['allowedFactors'];
  /** Where to go once signed in. */
  next: string;
}

export const pendingEnrolment = signal<PendingEnrolment | null>(null);

/** The authorization for an enrolment call: the pending login's mfaToken, or (by default) the session. */
export function enrolmentHeaders(): Record<string, string> {
  const pending = pendingEnrolment.get();
  return pending ? { authorization: `Bearer ${pending.mfaToken}` } : {};
}

/** A factor was activated: in the enrolment-required state its response carries the new session. */
export function afterActivation(activated: Schemas['ActivatedFactorDto']): void {
  if (activated.accessToken && activated.refreshToken) {
    saveSession({ accessToken: activated.accessToken, refreshToken: activated.refreshToken });
    pendingEnrolment.set(null);
  }
}

export function signedIn(tokens: Tokens, next: string): void {
  saveSession(tokens);
  navigate(next, { replace: true });
}
