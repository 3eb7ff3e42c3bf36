import { defineProblems } from '../common/errors/problem.exception.js';

/** Errors of the policy administration routes. */
export const PolicyException = defineProblems('PolicyException', {
  NOT_FOUND: { status: 404, title: 'Not found' },
  /** RFC 9110 §13.1.1: `If-Match` named a version that is no longer the newest, so the change would overwrite another one. */
  PRECONDITION_FAILED: { status: 412, title: 'The policy changed since that version' },
});
