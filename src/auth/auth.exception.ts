import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of the password login, tokens and sessions. */
export const AuthException = defineProblems('AuthException', {
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid email or password' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  STEP_UP_REQUIRED: { status: 403, title: 'Recent authentication with a second factor required' },
  MFA_TOKEN_INVALID: { status: 401, title: 'Invalid or expired MFA token' },
  REFRESH_TOKEN_INVALID: { status: 401, title: 'Invalid refresh token' },
});
