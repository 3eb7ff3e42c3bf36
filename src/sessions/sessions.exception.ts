import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of sessions, refresh tokens and the mfaTokens' login attempts (codes fixed by api.md). */
export const SessionsException = defineProblems('SessionsException', {
  MFA_TOKEN_INVALID: { status: 401, title: 'Invalid or expired MFA token' },
  REFRESH_TOKEN_INVALID: { status: 401, title: 'Invalid refresh token' },
});
