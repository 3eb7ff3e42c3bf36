import { randomInt } from 'node:crypto';

/**
 * Recovery codes: what they look like and how input is read back.
 *
 * Each code is 12 symbols of Crockford's Base32 alphabet
 * (crockford.com/base32.html: no I, L, O or U, so nothing is mistaken for a
 * digit), 5 bits a symbol: 60 bits, above the 50 bits security.md asks of a
 * recovery code. Symbols come from `crypto.randomInt`, the CSPRNG without
 * modulo bias. Shown in three groups of four for reading and copying.
 */
export const RECOVERY_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_SYMBOLS = 12;
export const RECOVERY_CODE_GROUP = 4;
export const RECOVERY_CODES_PER_SET = 10;
/** log2(32) × 12 = 60. */
export const RECOVERY_CODE_BITS = Math.log2(RECOVERY_CODE_ALPHABET.length) * RECOVERY_CODE_SYMBOLS;

const CANONICAL = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_SYMBOLS}}$`);

/** One code in its display form, e.g. `7KQ2-XM9D-4HTA`. */
export function generateRecoveryCode(): string {
  let symbols = '';
  for (let i = 0; i < RECOVERY_CODE_SYMBOLS; i++)
    symbols += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
  return symbols.match(new RegExp(`.{${RECOVERY_CODE_GROUP}}`, 'g'))!.join('-');
}

/** A set of distinct codes (a repeat is astronomically unlikely, but a set must not contain one). */
export function generateRecoveryCodeSet(count = RECOVERY_CODES_PER_SET): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateRecoveryCode());
  return [...codes];
}

/**
 * The canonical form that is hashed and looked up, or null if the input
 * cannot be a code. Typed back from paper, so case, spaces and dashes do not
 * matter, and Crockford's decoding rules apply: O reads as 0, I and L as 1.
 */
export function normaliseRecoveryCode(input: string): string | null {
  const canonical = input
    .replace(/[\s-]+/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return CANONICAL.test(canonical) ? canonical : null;
}
