import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of second factors, challenges and SMS delivery (codes fixed by api.md). */
export const MfaException = defineProblems('MfaException', {
  MFA_INVALID_CODE: { status: 401, title: 'Invalid code' },
  MFA_TOKEN_INVALID: { status: 401, title: 'Invalid or expired MFA token' },
  MFA_CHALLENGE_EXPIRED: { status: 410, title: 'The code has expired' },
  MFA_CHALLENGE_USED: { status: 410, title: 'The code was already used' },
  MFA_CHALLENGE_LOCKED: { status: 429, title: 'Too many attempts' },
  MFA_FACTOR_NOT_ALLOWED: { status: 403, title: 'This factor is not allowed by the MFA policy' },
  RESEND_TOO_SOON: { status: 429, title: 'Wait before asking for another code' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  SMS_DESTINATION_NOT_ALLOWED: { status: 403, title: 'SMS to this destination is not allowed' },
  SMS_DELIVERY_FAILED: { status: 502, title: 'The SMS could not be delivered' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  STEP_UP_REQUIRED: { status: 403, title: 'Recent authentication with a second factor required' },
});

export function retryAfter(seconds: number): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil(seconds))) };
}
