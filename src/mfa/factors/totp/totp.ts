import { randomBytes } from 'node:crypto';
import { generateSync as generateHotp } from '@otplib/hotp';
import { base32 } from '@otplib/plugin-base32-scure';
import { crypto } from '@otplib/plugin-crypto-node';
import { generateSync as generateTotp, getTimeStepUsed, verifySync as verifyTotpCode } from '@otplib/totp';
import QRCode from 'qrcode';

/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) from otplib, with node:crypto computing
 * the HMACs and @scure/base the Base32 (RFC 4648 §6), plus the `otpauth://`
 * Key URI and its QR code. These wrappers keep the module's small API and its
 * errors: a bad parameter is a RangeError, bad Base32 a Base32Error, and a
 * malformed code is simply not valid.
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

const OTPLIB_ALGORITHMS = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' } as const satisfies Record<TotpAlgorithm, string>;

export class Base32Error extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
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

function otplibAlgorithm(algorithm: TotpAlgorithm): (typeof OTPLIB_ALGORITHMS)[TotpAlgorithm] {
  const name = Object.hasOwn(OTPLIB_ALGORITHMS, algorithm) ? OTPLIB_ALGORITHMS[algorithm] : undefined;
  if (!name) throw new RangeError(`unsupported TOTP algorithm: ${String(algorithm)}`);
  return name;
}

/** RFC 4226 §5.3: the HMAC of the 8-byte counter, dynamically truncated to `digits` decimal digits. */
export function hotp(secret: Buffer, counter: bigint | number, digits: number, algorithm: TotpAlgorithm): string {
  assertDigits(digits);
  if (typeof counter === 'number' && !Number.isSafeInteger(counter)) {
    throw new RangeError('counter must be a safe integer');
  }
  if (counter < 0 || counter > Number.MAX_SAFE_INTEGER) throw new RangeError('counter must be from 0 to 2^53 - 1');
  return generateHotp({ secret, counter, digits, algorithm: otplibAlgorithm(algorithm), crypto });
}

/** RFC 6238 §4.2: T = floor((now - T0) / X) with T0 = 0 (the Unix epoch). */
export function timeStep(unixSeconds: number, periodSeconds: number): number {
  assertPeriod(periodSeconds);
  if (!Number.isFinite(unixSeconds) || unixSeconds < 0) {
    throw new RangeError('unixSeconds must be a finite, non-negative number');
  }
  return getTimeStepUsed(unixSeconds, periodSeconds);
}

export function totpAt(secret: Buffer, unixSeconds: number, params: TotpParams): string {
  assertDigits(params.digits);
  timeStep(unixSeconds, params.periodSeconds);
  return generateTotp({
    secret,
    epoch: unixSeconds,
    period: params.periodSeconds,
    digits: params.digits,
    algorithm: otplibAlgorithm(params.algorithm),
    crypto,
  });
}

export type TotpVerification = { ok: true; step: number } | { ok: false };

/**
 * Accepts the code of any step from t - window to t + window, the clock drift
 * allowance of RFC 6238 §5.2 ("at most one time step" is the recommendation);
 * steps before the epoch are not looked at. otplib compares each candidate in
 * constant time and walks the steps from the earliest, so when two steps share
 * a code the earliest wins: reporting a later step would let one code consume
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
  timeStep(unixSeconds, params.periodSeconds);
  // otplib throws on a malformed token; here it is a wrong code like any other.
  if (typeof code !== 'string' || code.length !== params.digits || !/^[0-9]+$/.test(code)) return { ok: false };

  const result = verifyTotpCode({
    secret,
    token: code,
    epoch: unixSeconds,
    period: params.periodSeconds,
    digits: params.digits,
    algorithm: otplibAlgorithm(params.algorithm),
    epochTolerance: window * params.periodSeconds,
    crypto,
  });
  return result.valid ? { ok: true, step: result.timeStep } : { ok: false };
}

/**
 * RFC 4226 §4 R6 requires a shared secret of at least 128 bits and recommends
 * 160 (the default here); the bytes come from the CSPRNG as §7.5 requires.
 */
export function generateTotpSecret(bytes = 20): Buffer {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError('a TOTP secret needs at least 16 bytes');
  return randomBytes(bytes);
}

/**
 * RFC 4648 §6 without the `=` padding: the Key URI Format says padding
 * "should be omitted", and some apps reject it.
 */
export function base32Encode(buf: Buffer): string {
  return base32.encode(buf, { padding: false });
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
  try {
    return Buffer.from(base32.decode(cleaned));
  } catch (error) {
    throw new Base32Error('invalid Base32', { cause: error });
  }
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
 * apps display a `+` from form encoding literally. `algorithm`, `digits` and
 * `period` are always written, defaults included (otplib's URI builder leaves
 * the defaults out), so the URI states exactly what the server will check.
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
  otplibAlgorithm(params.algorithm);

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
