import { Injectable } from '@nestjs/common';
import type { AccessPrincipal, MfaPrincipal } from '../auth/guards/principal.js';
import { Clock } from '../common/clock.js';
import { PolicyService } from '../policy/policy.service.js';
import { isFreshEnough } from './assurance.js';
import type { FactorType } from './factor-type.js';
import { MfaException } from './mfa.exception.js';
import { MfaFactorsService } from './mfa-factors.service.js';

/**
 * Who may add or remove a factor (security.md: Factors). Once a user has an
 * active factor, every change needs an aal2 session authenticated within the
 * step-up window; before that, a signed-in session or the enrolment mfaToken
 * may add the first factor.
 */
@Injectable()
export class FactorChangePolicyService {
  constructor(
    private readonly factors: MfaFactorsService,
    private readonly policy: PolicyService,
    private readonly clock: Clock,
  ) {}

  async assertMayEnrol(principal: AccessPrincipal | MfaPrincipal, type: FactorType): Promise<void> {
    const policy = await this.policy.current();
    if (!policy.allowedFactors.includes(type)) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
    await this.assertMayChange(principal);
  }

  async assertMayChange(principal: AccessPrincipal | MfaPrincipal): Promise<void> {
    const active = await this.factors.countActive(principal.userId);
    if (principal.kind === 'mfa') {
      // The enrolment token may set up exactly one first factor, nothing else.
      if (principal.purpose !== 'enroll' || active > 0) throw new MfaException('STEP_UP_REQUIRED');
      return;
    }
    if (active === 0) return;
    const policy = await this.policy.current();
    if (principal.aal !== 'aal2' || !isFreshEnough(principal.authTime, this.clock.now(), policy.stepUpMaxAgeSeconds)) {
      throw new MfaException('STEP_UP_REQUIRED', { detail: 'Confirm with a second factor first (POST /auth/step-up).' });
    }
  }
}
