import { randomInt } from 'node:crypto';

/**
 * A one-time code of `length` decimal digits from the CSPRNG. `randomInt`
 * rejects out-of-range samples, so every digit is uniform (no modulo bias).
 */
export function generateOtpCode(length: number): string {
  if (!Number.isInteger(length) || length < 6 || length > 10) throw new RangeError('code length must be 6-10');
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

/** The shape a code must have before it is worth a guess (and before it touches a hash). */
export function isWellFormedCode(code: string, length: number): boolean {
  return code.length === length && /^[0-9]+$/.test(code);
}
