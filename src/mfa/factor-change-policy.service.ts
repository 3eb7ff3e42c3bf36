import { Injectable } from '@nestjs/common';
import type { AccessPrincipal, MfaPrincipal } from '../vocabulary/principal.js';
import { Clock } from '../common/clock.js';
import { PolicyService } from '../policy/policy.service.js';
import { isFreshEnough } from '../vocabulary/assurance.js';
import type { FactorType } from '../vocabulary/factor-type.js';
import { MfaException } from './mfa.exception.js';
import { MfaFactorsService } from './mfa-factors.service.js';
import { Database, type Sql, type Tx } from '../database/database.js';
import type { EffectiveRule } from '../policy/policy-rules.js';
import type { Factor } from './factor.entity.js';
import { FactorsRepository } from './factors.repository.js';

/** A pending factor not activated within this time is gone (security.md: Factors). */
export const PENDING_FACTOR_TTL_SECONDS = 600;

/**
 * Who may add or remove a factor (security.md: Factors). Once a user has an
 * active factor, every change needs an aal2 session authenticated within the
 * step-up window; before that, a signed-in session or the enrolment mfaToken
 * may add the first factor.
 */
@Injectable()
export class FactorChangePolicyService {
  constructor(
    private readonly db: Database,
    private readonly repository: FactorsRepository,
    private readonly factors: MfaFactorsService,
    private readonly policy: PolicyService,
    private readonly clock: Clock,
  ) {}

  async assertMayEnrol(principal: AccessPrincipal | MfaPrincipal, type: FactorType): Promise<void> {
    const rule = await this.policy.ruleFor(principal.user);
    if (!rule.allowedFactors.includes(type)) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
    await this.assertMayChange(principal);
  }

  async assertMayChange(principal: AccessPrincipal | MfaPrincipal, sql: Sql = this.db): Promise<void> {
    this.assertMayChangeWith(principal, await this.factors.countActive(principal.userId, sql), await this.policy.ruleFor(principal.user));
  }

  /**
   * The same rules for activating a pending factor, inside the activation's
   * transaction with the user's factors locked, so that a factor created from
   * an aal1 session cannot be activated once the user has another one (and
   * two activations cannot both count as the first). A pending factor
   * expires after PENDING_FACTOR_TTL_SECONDS. Returns whether it becomes the user's first.
   */
  async assertMayActivate(principal: AccessPrincipal | MfaPrincipal, factor: Factor, tx: Tx): Promise<{ first: boolean }> {
    const all = await this.repository.listForUser(tx, principal.userId, { lock: true });
    const current = all.find((f) => f.id === factor.id);
    if (!current || current.createdAt.getTime() + PENDING_FACTOR_TTL_SECONDS * 1000 <= this.clock.now().getTime()) {
      throw new MfaException('NOT_FOUND', { detail: 'No such factor: a pending factor must be activated within 10 minutes.' });
    }
    const active = all.filter((f) => f.status === 'active').length;
    this.assertMayChangeWith(principal, active, await this.policy.ruleFor(principal.user));
    return { first: active === 0 };
  }

  private assertMayChangeWith(principal: AccessPrincipal | MfaPrincipal, active: number, rule: EffectiveRule): void {
    if (principal.kind === 'mfa') {
      // The enrolment token may set up exactly one first factor, nothing else.
      if (principal.purpose !== 'enroll' || active > 0) throw new MfaException('STEP_UP_REQUIRED');
      return;
    }
    if (active === 0) return;
    if (principal.aal !== 'aal2' || !isFreshEnough(principal.authTime, this.clock.now(), rule.stepUpMaxAgeSeconds)) {
      throw new MfaException('STEP_UP_REQUIRED', { detail: 'Confirm with a second factor first (POST /auth/step-up).' });
    }
  }
}
