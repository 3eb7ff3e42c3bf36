import { Injectable } from '@nestjs/common';
import { SmsFactor } from './factors/sms/sms.factor.js';
import type { FactorType } from './factor-type.js';
import type { MfaFactor } from './mfa-factor.js';

/**
 * The one place factors are registered. Adding a factor is its folder under
 * factors/ and one line here; the `satisfies` clause makes the compiler
 * refuse a FactorType without a handler.
 */
@Injectable()
export class FactorRegistry {
  private readonly factors: Partial<Record<FactorType, MfaFactor>>;

  constructor(sms: SmsFactor) {
    this.factors = { sms } satisfies Partial<Record<FactorType, MfaFactor>>;
  }

  get(type: FactorType): MfaFactor | null {
    return this.factors[type] ?? null;
  }

  all(): MfaFactor[] {
    return Object.values(this.factors);
  }
}
