import { Injectable } from '@nestjs/common';
import { InjectKeys } from '../../config/config.tokens.js';
import type { AppKeys } from '../../config/keys.js';
import { KeyedHash } from './keyed-hash.js';
import { SecretBox } from './secret-box.js';

/**
 * The keyed primitives every module uses, each with its own derived key:
 * one-time codes are HMACed with the OTP key; lookup hashes (refresh tokens,
 * phone numbers, recovery codes) with the token key; secrets at rest are
 * sealed with AES-256-GCM.
 */
@Injectable()
export class SecretsService {
  private readonly codes: KeyedHash;
  private readonly lookups: KeyedHash;
  private readonly box: SecretBox;

  constructor(@InjectKeys() keys: AppKeys) {
    this.codes = new KeyedHash(keys.otpHashKey);
    this.lookups = new KeyedHash(keys.tokenHashKey);
    this.box = new SecretBox(keys.encryptionKey);
  }

  /** HMAC of a one-time code bound to its challenge: a hash copied to another challenge is useless. */
  hashCode(code: string, challengeId: string): string {
    return this.codes.digest(code, `otp:${challengeId}`);
  }

  /** Constant-time check of a code against the stored HMAC. */
  verifyCode(code: string, challengeId: string, expectedHash: string): boolean {
    return this.codes.verify(code, `otp:${challengeId}`, expectedHash);
  }

  /** A deterministic keyed hash for lookups and counting (never reversible without the key). */
  lookupHash(value: string, context: string): string {
    return this.lookups.digest(value, context);
  }

  seal(plaintext: string, associatedData: string): string {
    return this.box.seal(Buffer.from(plaintext, 'utf8'), associatedData);
  }

  open(sealed: string, associatedData: string): string {
    return this.box.open(sealed, associatedData).toString('utf8');
  }
}
