import type { core, ZodType } from 'zod';
import { validationFailed, type FieldError } from '../errors/problem.exception.js';

/**
 * The value, checked against a zod schema: the parsed result, or a 400
 * VALIDATION_FAILED naming each offending field (under `prefix` when the
 * value is one member of a body).
 */
export function parseOrRefuse<T>(schema: ZodType<T>, value: unknown, prefix = ''): T {
  const result = schema.safeParse(value, { error: plainMessage });
  if (!result.success) throw validationFailed(fieldErrors(result.error.issues, prefix));
  return result.data;
}

const KINDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
};

/**
 * What a refused field is told, in the words of the rest of the API
 * ("must be a string", "must be at most 64 characters") rather than the
 * library's, which quote its own type names. A schema's own message wins.
 */
function plainMessage(issue: core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${KINDS[issue.expected] ?? `a ${issue.expected}`}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters` : issue.origin === 'array' ? `must have at most ${issue.maximum} entries` : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string' ? (issue.minimum === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`) : issue.origin === 'array' ? `must have at least ${issue.minimum} entries` : `must be at least ${issue.minimum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format === 'regex' ? 'value' : issue.format}`;
    case 'unrecognized_keys':
      return 'is not allowed';
    default:
      return 'is not valid';
  }
}

/** Zod's issues as the problem's field errors: a path like `credential.response.id` or `items[2]`, one entry per unknown key. */
export function fieldErrors(issues: readonly core.$ZodIssue[], prefix = ''): FieldError[] {
  const join = (path: readonly PropertyKey[]) => shortened(fieldPath(prefix ? [prefix, ...path] : path));
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: join([...issue.path, key]), message: 'is not allowed' }))
      : [{ field: join(issue.path), message: issue.message }],
  );
}

/** U+0000, or a surrogate that is not half of a pair (in `u` mode a pair is one code point, so only lone halves match). */
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point of this pattern
export const UNSTORABLE = /\u0000|\p{Cs}/u;

/** A path through thousands of nested arrays is no help to anyone: keep its start. */
export function shortened(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** A field name fit to echo back in the error: the offending characters replaced by U+FFFD. */
export function printable(key: PropertyKey): string {
  return String(key).replace(new RegExp(UNSTORABLE.source, 'gu'), '\ufffd');
}

/** `sms.allowedCountries[3]`; the body itself is `body`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${printable(segment)}`)).join('');
}
