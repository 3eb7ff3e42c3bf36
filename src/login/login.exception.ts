import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of the password login (codes fixed by api.md). */
export const LoginException = defineProblems('LoginException', {
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid email or password' },
  /** Only with LOGIN_REQUIRES_VERIFIED_EMAIL=true, and only after the right password. */
  EMAIL_NOT_VERIFIED: { status: 403, title: 'Verify your email address first' },
});
