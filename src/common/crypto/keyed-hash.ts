import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA-256 (RFC 2104) for short-lived or low-entropy values the database
 * must be able to check but never reveal: OTP codes, recovery codes, refresh
 * tokens. A plain hash of a 6-digit code is reversed by trying a million
 * inputs; a keyed hash is not without the key, which does not live in the
 * database.
 *
 * The context (challenge id, user id, token family...) is mixed in so a hash
 * copied from one row never verifies for another. The input is
 * `context + '\0' + value`; a context may not contain NUL, which keeps the
 * split point unambiguous ("a\0b" + "c" can never equal "a" + "b\0c").
 */

const MIN_KEY_BYTES = 32;
const DIGEST_HEX = /^[0-9a-f]{64}$/i;

export class KeyedHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyedHashError';
  }
}

export class KeyedHash {
  readonly #key: Buffer;

  /** RFC 2104 §3: a key shorter than the hash output (32 bytes for SHA-256) weakens the MAC. */
  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length < MIN_KEY_BYTES) {
      throw new KeyedHashError(`KeyedHash needs a key of at least ${MIN_KEY_BYTES} bytes`);
    }
    this.#key = Buffer.from(key);
  }

  /** Lower-case hex of HMAC-SHA-256(key, context || 0x00 || value), both UTF-8. */
  digest(value: string, context: string): string {
    return this.#mac(value, context).toString('hex');
  }

  /**
   * Constant-time comparison of the recomputed MAC with the stored one.
   * Anything that is not 64 hex digits is simply a mismatch, so a corrupted
   * row fails closed instead of throwing in the middle of a login.
   */
  verify(value: string, context: string, expectedHex: string): boolean {
    if (typeof expectedHex !== 'string' || !DIGEST_HEX.test(expectedHex)) return false;
    const actual = this.#mac(value, context);
    return timingSafeEqual(actual, Buffer.from(expectedHex, 'hex'));
  }

  #mac(value: string, context: string): Buffer {
    if (typeof value !== 'string' || typeof context !== 'string') {
      throw new KeyedHashError('value and context must be strings');
    }
    if (context.includes('\0')) throw new KeyedHashError('context must not contain NUL');
    return createHmac('sha256', this.#key).update(`${context}\0${value}`, 'utf8').digest();
  }
}
