/** Authentication levels and methods: the words of NIST SP 800-63B and RFC 8176 the whole code base uses. */

/**
 * Authentication method references, RFC 8176; `rmd` (not registered there)
 * marks a login whose second factor was a remembered device. It adds no
 * assurance itself: such a session carries the factor completed when the
 * device was trusted.
 */
export type Amr = 'pwd' | 'sms' | 'otp' | 'hwk' | 'swk' | 'mfa' | 'rmd';
export type Aal = 'aal1' | 'aal2';

const SECOND_FACTOR_METHODS: ReadonlySet<Amr> = new Set(['sms', 'otp', 'hwk', 'swk', 'mfa']);

/**
 * The assurance level a set of completed methods gives (NIST SP 800-63B §4):
 * a password plus any second factor is AAL2; anything less is AAL1.
 */
export function assuranceOf(amr: readonly Amr[]): Aal {
  const password = amr.includes('pwd');
  const second = amr.some((m) => SECOND_FACTOR_METHODS.has(m));
  return password && second ? 'aal2' : 'aal1';
}

/** What an mfaToken was issued for: a login, a first factor's enrolment, or a step-up of a live session. */
export type MfaPurpose = 'login' | 'enroll' | 'step_up';

/** Whether a session's authentication is recent enough for a sensitive action. */
export function isFreshEnough(authTime: Date, now: Date, maxAgeSeconds: number): boolean {
  return now.getTime() - authTime.getTime() <= maxAgeSeconds * 1000;
}
