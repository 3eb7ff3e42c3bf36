import { z } from 'zod';

/** A surrogate that is not half of a pair (in `u` mode a pair is one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** An email address as registration accepts it (zod's email pattern; a lone surrogate is no address). */
export const emailAddress = z.email({ message: 'must be an email address' }).refine((value) => !LONE_SURROGATE.test(value), 'must be an email address');

export function isEmailAddress(value: unknown): boolean {
  return emailAddress.safeParse(value).success;
}
