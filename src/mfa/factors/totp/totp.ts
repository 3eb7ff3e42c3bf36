import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import QRCode from 'qrcode';

/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) on top of node:crypto, plus the pieces
 * an authenticator app needs to enrol: a random secret, its Base32 form
 * (RFC 4648 §6) and the `otpauth://` Key URI with a QR code.
 *
 * Nothing here remembers state. Replay protection (RFC 6238 §5.2: "the
 * verifier MUST NOT accept the second attempt of the OTP after the successful
 * validation has been issued for the first OTP") belongs to the caller, which
 * stores the last accepted step and refuses any step not greater than it.
 */

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface TotpParams {
  algorithm: TotpAlgorithm;
  digits: number;
  periodSeconds: number;
}

/**
 * The only combination every authenticator app honours: several of them
 * silently ignore `algorithm`, `digits` and `period` in the Key URI and
 * produce SHA-1 / 6 digits / 30 s codes whatever the URI says.
 */
export const DEFAULT_TOTP: TotpParams = Object.freeze({ algorithm: 'SHA1', digits: 6, periodSeconds: 30 });

/** RFC 4226 §5.3: at least 6 digits; the truncated value is 31 bits, so more than 10 adds nothing. */
const MIN_DIGITS = 6;
const MAX_DIGITS = 10;

const HMAC_NAMES: Record<TotpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export class Base32Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Base32Error';
  }
}

function assertDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < MIN_DIGITS || digits > MAX_DIGITS) {
    throw new RangeError(`digits must be an integer from ${MIN_DIGITS} to ${MAX_DIGITS}`);
  }
}

function assertPeriod(periodSeconds: number): void {
  if (!Number.isInteger(periodSeconds) || periodSeconds <= 0) {
    throw new RangeError('periodSeconds must be a positive integer');
  }
}

function hmacName(algorithm: TotpAlgorithm): string {
  const name = HMAC_NAMES[algorithm];
  if (!name) throw new RangeError(`unsupported TOTP algorithm: ${String(algorithm)}`);
  return name;
}

/**
 * RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, then dynamic
 * truncation — the low nibble of the last byte picks 4 bytes, whose top bit is
 * masked off so the value is the same whether read as signed or unsigned.
 */
export function hotp(secret: Buffer, counter: bigint | number, digits: number, algorithm: TotpAlgorithm): string {
  assertDigits(digits);
  if (typeof counter === 'number' && !Number.isSafeInteger(counter)) {
    throw new RangeError('counter must be a safe integer');
  }
  const value = BigInt(counter);
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError('counter must fit in 8 unsigned bytes');

  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(value);
  const mac = createHmac(hmacName(algorithm), secret).update(message).digest();

  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fff_ffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** RFC 6238 §4.2: T = floor((now - T0) / X) with T0 = 0 (the Unix epoch). */
export function timeStep(unixSeconds: number, periodSeconds: number): number {
  assertPeriod(periodSeconds);
  if (!Number.isFinite(unixSeconds) || unixSeconds < 0) {
    throw new RangeError('unixSeconds must be a finite, non-negative number');
  }
  return Math.floor(unixSeconds / periodSeconds);
}

export function totpAt(secret: Buffer, unixSeconds: number, params: TotpParams): string {
  return hotp(secret, timeStep(unixSeconds, params.periodSeconds), params.digits, params.algorithm);
}

export type TotpVerification = { ok: true; step: number } | { ok: false };

/**
 * Accepts the code of any step from t - window to t + window, the clock drift
 * allowance of RFC 6238 §5.2 ("at most one time step" is the recommendation).
 * Every candidate is computed and compared in constant time, so the response
 * time says nothing about which step (if any) matched. When two steps share a
 * code, the earliest wins: reporting a later step would let one code consume
 * a step the user has not reached yet.
 */
export function verifyTotp(
  secret: Buffer,
  code: string,
  unixSeconds: number,
  params: TotpParams,
  window = 1,
): TotpVerification {
  assertDigits(params.digits);
  if (!Number.isInteger(window) || window < 0) throw new RangeError('window must be a non-negative integer');
  if (typeof code !== 'string' || code.length !== params.digits || !/^[0-9]+$/.test(code)) return { ok: false };

  const current = timeStep(unixSeconds, params.periodSeconds);
  const submitted = Buffer.from(code, 'ascii');
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(secret, step, params.digits, params.algorithm), 'ascii');
    if (timingSafeEqual(submitted, expected) && matched === null) matched = step;
  }
  return matched === null ? { ok: false } : { ok: true, step: matched };
}

/**
 * RFC 4226 §4 R6 requires a shared secret of at least 128 bits and recommends
 * 160 (the default here); the bytes come from the CSPRNG as §7.5 requires.
 */
export function generateTotpSecret(bytes = 20): Buffer {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError('a TOTP secret needs at least 16 bytes');
  return randomBytes(bytes);
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * RFC 4648 §6 without the `=` padding: the Key URI Format says padding
 * "should be omitted", and some apps reject it.
 */
export function base32Encode(buf: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(value >>> bits) & 0x1f];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 0x1f];
  return out;
}

/**
 * Lenient on presentation, strict on content: users type secrets in lower
 * case, in groups of four, sometimes with the padding — all of that is
 * accepted — but any character outside the alphabet is an error rather than
 * silently dropped, and so is a length no encoder can produce (RFC 4648 §6:
 * the final quantum is 2, 4, 5 or 7 characters).
 */
export function base32Decode(str: string): Buffer {
  const cleaned = str.replace(/[\s=]/g, '').toUpperCase();
  if (cleaned.length % 8 === 1 || cleaned.length % 8 === 3 || cleaned.length % 8 === 6) {
    throw new Base32Error('invalid Base32 length');
  }
  const out = Buffer.alloc(Math.floor((cleaned.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of cleaned) {
    const digit = BASE32_ALPHABET.indexOf(char);
    if (digit === -1) throw new Base32Error('invalid Base32 character');
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >>> bits) & 0xff;
    }
  }
  return out;
}

export interface OtpauthUriInput {
  issuer: string;
  accountName: string;
  secret: Buffer;
  params: TotpParams;
}

/**
 * Key URI Format (github.com/google/google-authenticator/wiki/Key-Uri-Format):
 * `otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...`. The label colon is
 * the issuer/account separator, and apps accept it literal or as %3A, so a
 * colon inside either part cannot be told apart from it and is refused.
 * Components are encoded with encodeURIComponent (spaces as %20): several
 * apps display a `+` from form encoding literally.
 */
export function buildOtpauthUri({ issuer, accountName, secret, params }: OtpauthUriInput): string {
  if (issuer.trim() === '' || accountName.trim() === '') {
    throw new RangeError('issuer and accountName must not be empty');
  }
  if (issuer.includes(':') || accountName.includes(':')) {
    throw new RangeError('issuer and accountName must not contain a colon');
  }
  assertDigits(params.digits);
  assertPeriod(params.periodSeconds);
  hmacName(params.algorithm);

  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = [
    ['secret', base32Encode(secret)],
    ['issuer', issuer],
    ['algorithm', params.algorithm],
    ['digits', String(params.digits)],
    ['period', String(params.periodSeconds)],
  ]
    .map(([key, value]) => `${key}=${encodeURIComponent(value!)}`)
    .join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** An SVG rather than a PNG data URL: it scales crisply and needs no canvas. */
export async function renderQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}
