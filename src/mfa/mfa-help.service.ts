import { Injectable } from '@nestjs/common';
import { PolicyService } from '../policy/policy.service.js';
import { RecoveryCodesService } from './factors/recovery-codes/recovery-codes.service.js';
import type { FactorSummary } from './factor-directory.js';
import { MfaFactorsService } from './mfa-factors.service.js';

export interface MfaHelp {
  /** Factors that can complete a sign-in now (policy-allowed, active), masked. */
  factors: FactorSummary[];
  recoveryCodes: { available: boolean; remaining: number };
  /** Email codes: usable when the user has an active email factor the policy allows. */
  emailCode: { available: boolean };
  /** What a user who lost a phone does, in order (each step names its route). */
  lostPhone: Array<{ step: string; route: string }>;
  /** When nothing else is left: an administrator resets the second factors (the user is told by SMS and email). */
  adminReset: { available: true };
}

/** GET /me/mfa/help: the user's recovery options, for clients to show when a factor is out of reach. */
@Injectable()
export class MfaHelpService {
  constructor(
    private readonly factors: MfaFactorsService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly policy: PolicyService,
  ) {}

  async helpFor(userId: string): Promise<MfaHelp> {
    const policy = await this.policy.current();
    const active = (await this.factors.listActive(userId)).filter((f) => policy.allowedFactors.includes(f.type));
    const remaining = active.some((f) => f.type === 'recovery_code') ? await this.recoveryCodes.remaining(userId) : 0;
    return {
      factors: active.filter((f) => f.type !== 'recovery_code'),
      recoveryCodes: { available: remaining > 0, remaining },
      emailCode: { available: active.some((f) => f.type === 'email') },
      lostPhone: [
        { step: 'sign_in_with_another_factor_or_recovery_code', route: 'POST /auth/mfa/verify' },
        { step: 'remove_the_lost_phone', route: 'DELETE /me/mfa/factors/{id}' },
        { step: 'enrol_the_new_phone', route: 'POST /me/mfa/factors/sms' },
        { step: 'activate_it_with_the_code_sent', route: 'POST /me/mfa/factors/{id}/activate' },
        { step: 'generate_new_recovery_codes', route: 'POST /me/mfa/recovery-codes' },
      ],
      adminReset: { available: true },
    };
  }
}
