import { z } from 'zod';

/**
 * Field schemas the request bodies share. Request DTOs are zod schemas
 * (nestjs-zod's createZodDto), as are the configuration and the policy
 * document: one way to say what input is acceptable, and the OpenAPI
 * document is generated from the same schemas.
 */

/** A string of at most `max` characters. */
export const text = (max: number) => z.string().max(max);

/** A user-chosen name for a factor: 1–64 characters, no control characters (they would be echoed in lists and notices). */
export const factorLabel = z
  .string()
  .min(1)
  .max(64)
  .regex(/^\P{Cc}+$/u, 'must not contain control characters');

/** A query-string integer between min and max (query values arrive as text). */
export const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const uuid = z.uuid();

/** Whether a value can name a row by its UUID (ids taken from bodies, tokens and cursors). */
export function isUuid(value: unknown): value is string {
  return uuid.safeParse(value).success;
}
