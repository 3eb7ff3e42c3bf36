import { z } from 'zod';
import { ProblemException } from '../errors/problem.exception.js';
import { parseOrRefuse } from './parse.js';

const schema = z.strictObject({
  label: z.string().min(1).max(3),
  kind: z.enum(['sms', 'totp']).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  items: z.array(z.string()).optional(),
  custom: z.string().regex(/^a+$/, 'must be only a').optional(),
});

function errorsOf(value: unknown, prefix?: string) {
  try {
    parseOrRefuse(schema, value, prefix);
  } catch (error) {
    return (error as ProblemException).problem.extensions?.errors;
  }
  throw new Error('accepted');
}

describe('parseOrRefuse', () => {
  it('returns the parsed value', () => {
    expect(parseOrRefuse(schema, { label: 'ab', limit: '5' })).toEqual({ label: 'ab', limit: 5 });
  });

  it('names each field in the API words, never the library text', () => {
    const errors = errorsOf({ label: 'abcd', kind: 'email', limit: 'x', items: 'a', custom: 'b', extra: 1 });
    expect(errors).toEqual([
      { field: 'label', message: 'must be at most 3 characters' },
      { field: 'kind', message: 'must be one of sms, totp' },
      { field: 'limit', message: 'must be a number' },
      { field: 'items', message: 'must be a list' },
      { field: 'custom', message: 'must be only a' },
      { field: 'extra', message: 'is not allowed' },
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/expected|received|Invalid/);
  });

  it('says what is missing, and where inside a member', () => {
    expect(errorsOf({}, 'credential')).toEqual([{ field: 'credential.label', message: 'is required' }]);
    expect(errorsOf({ label: '', items: ['a', 2] })).toEqual([
      { field: 'label', message: 'must not be empty' },
      { field: 'items[1]', message: 'must be a string' },
    ]);
    expect(errorsOf('text')).toEqual([{ field: 'body', message: 'must be an object' }]);
  });
});
