import { isEmail, ValidateBy, type ValidationOptions } from 'class-validator';

/** A surrogate that is not half of a pair (in `u` mode a pair is one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * An email address as registration accepts it. validator.js measures the
 * parts with `encodeURI`, which throws a URIError on a lone surrogate; such a
 * string is no address, so it is refused before the library sees it, and
 * anything else the library might throw is a refusal too, never a 500.
 */
export function isEmailAddress(value: unknown): boolean {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value)) return false;
  try {
    return isEmail(value);
  } catch {
    return false;
  }
}

export function IsEmailAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isEmailAddress', validator: { validate: isEmailAddress, defaultMessage: () => 'must be an email address' } },
    options,
  );
}
