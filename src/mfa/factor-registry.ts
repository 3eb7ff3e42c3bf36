import { Injectable } from '@nestjs/common';
import { EmailOtpFactor } from './factors/email/email-otp.factor.js';
import { RecoveryCodeFactor } from './factors/recovery-codes/recovery-code.factor.js';
import { SmsFactor } from './factors/sms/sms.factor.js';
import { TotpFactor } from './factors/totp/totp.factor.js';
import { WebauthnFactor } from './factors/webauthn/webauthn.factor.js';
import type { FactorType } from '../vocabulary/factor-type.js';
import type { MfaFactor } from './mfa-factor.js';

/**
 * The one place factors are registered. Adding a factor is its folder under
 * factors/ and one line here; the `satisfies` clause makes the compiler
 * refuse a FactorType without a handler, and a handler registered under
 * another type's name.
 */
@Injectable()
export class FactorRegistry {
  private readonly factors: Readonly<Record<FactorType, MfaFactor>>;

  constructor(sms: SmsFactor, totp: TotpFactor, webauthn: WebauthnFactor, recoveryCode: RecoveryCodeFactor, email: EmailOtpFactor) {
    this.factors = {
      sms,
      totp,
      webauthn,
      recovery_code: recoveryCode,
      email,
    } satisfies { [T in FactorType]: MfaFactor & { type: T } };
  }

  get(type: FactorType): MfaFactor {
    return this.factors[type];
  }

  all(): MfaFactor[] {
    return Object.values(this.factors);
  }
}
