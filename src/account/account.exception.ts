import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of the account's self-service routes (password reset and change, email verification, sessions). */
export const AccountException = defineProblems('AccountException', {
  /** Unknown, used, superseded or older than 30 minutes: one answer for all, so a token's fate is not told. */
  PASSWORD_RESET_TOKEN_INVALID: { status: 400, title: 'This reset link is invalid or has expired' },
  EMAIL_VERIFICATION_TOKEN_INVALID: { status: 400, title: 'This verification link is invalid or has expired' },
  INVALID_CURRENT_PASSWORD: { status: 401, title: 'The current password is wrong' },
});
