import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of the token checks and the routes' access statements. */
export const AuthException = defineProblems('AuthException', {
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  STEP_UP_REQUIRED: { status: 403, title: 'Recent authentication with a second factor required' },
  MFA_TOKEN_INVALID: { status: 401, title: 'Invalid or expired MFA token' },
});
