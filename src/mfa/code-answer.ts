import { validationFailed } from '../common/errors/problem.exception.js';

/** The `{ challengeId, code }` of a one-time-code answer (SMS, email), or a 400 naming what is missing. */
export function requireCodeAnswer(input: { challengeId?: string; code?: string }, what: string): { challengeId: string; code: string } {
  const errors = [];
  if (typeof input.challengeId !== 'string') errors.push({ field: 'challengeId', message: `is required for ${what}` });
  if (typeof input.code !== 'string') errors.push({ field: 'code', message: 'is required' });
  if (errors.length > 0) throw validationFailed(errors);
  return { challengeId: input.challengeId!, code: input.code! };
}
