import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of the password login (codes fixed by api.md). */
export const LoginException = defineProblems('LoginException', {
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid email or password' },
});
