import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { SessionUpgradeService } from '../sessions/session-upgrade.service.js';
import { type TokensResponse } from '../tokens/token.service.js';
import type { AccessPrincipal, MfaPrincipal, UserProfile } from '../vocabulary/principal.js';
import { validationFailed } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { Database, type Tx } from '../database/database.js';
import { PolicyService } from '../policy/policy.service.js';
import { FactorChangePolicyService } from './factor-change-policy.service.js';
import { FactorManagementService } from './factor-management.service.js';
import { FactorRegistry } from './factor-registry.js';
import { grandfatheredTypes } from './assurance.js';
import { isFactorType, type FactorType } from '../vocabulary/factor-type.js';
import { MfaException } from './mfa.exception.js';
import { RefusalAfterRollback, type ActivateInput, type FactorContext, type MfaFactor, type SecondFactorProof, type VerifyInput } from './mfa-factor.js';
import { MfaFactorsService, toFactorView } from './mfa-factors.service.js';

/**
 * The second step of a login (and of step-up): start a challenge, verify a
 * proof, upgrade. Factor-specific work is delegated through the registry.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly db: Database,
    private readonly registry: FactorRegistry,
    private readonly factors: MfaFactorsService,
    private readonly upgrades: SessionUpgradeService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly management: FactorManagementService,
    private readonly changes: FactorChangePolicyService,
  ) {}

  async startChallenge(principal: MfaPrincipal, factorId: string, meta: RequestMeta): Promise<object> {
    const context = contextOf(principal, meta);
    const factor = await this.factors.findOwned(principal.userId, factorId);
    if (!factor || factor.status !== 'active') throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    const grandfathered = await this.assertAllowed(factor.type, principal.user);
    const handler = this.handler(factor.type);
    if (!handler.startChallenge) {
      throw validationFailed([{ field: 'factorId', message: `a ${factor.type} factor needs no challenge: verify its code directly` }]);
    }
    return handler.startChallenge(factor, { ...context, grandfathered });
  }

  async verify(principal: MfaPrincipal, input: VerifyInput, meta: RequestMeta): Promise<TokensResponse> {
    const context = contextOf(principal, meta);
    const handler = await this.handlerForVerify(input, principal.userId);
    if (principal.attemptConsumed) {
      // A completed login attempt may only learn that its code was used; it gets no further guesses.
      const state = typeof input.challengeId === 'string' && handler.challengeState ? await handler.challengeState(input.challengeId, context) : 'none';
      if (state === 'consumed') throw new MfaException('MFA_CHALLENGE_USED');
      throw new MfaException('MFA_TOKEN_INVALID');
    }
    const grandfathered = await this.assertAllowed(handler.type, principal.user);
    const proof = await handler.verify(input, { ...context, grandfathered });
    return this.upgrade(proof, (tx) => this.upgrades.completeSecondFactor(principal, proof.amr, meta, tx));
  }

  /**
   * Activates a pending factor with its first proof. With the enrolment
   * mfaToken this also completes the login (api.md: mfa_enrollment_required).
   */
  async activate(principal: AccessPrincipal | MfaPrincipal, factorId: string, input: ActivateInput, meta: RequestMeta) {
    const context = contextOf(principal, meta);
    const factor = await this.factors.findOwned(principal.userId, factorId);
    if (!factor) throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    if (factor.status === 'active') throw new MfaException('CONFLICT', { detail: 'The factor is already active.' });
    const handler = this.handler(factor.type);
    if (!handler.activate) throw new MfaException('CONFLICT', { detail: `A ${factor.type} factor is active as soon as it is registered.` });
    const proof = await handler.activate(factor, input, context);
    const tokens = await this.upgrade(proof, async (tx) => {
      // The change rules of enrolment again, in this transaction: a factor created earlier from a weaker session gets no shortcut.
      const { first } = await this.changes.assertMayActivate(principal, factor, tx);
      const keep = { sessionId: principal.kind === 'access' ? principal.sessionId : null, attemptId: principal.kind === 'mfa' ? principal.attemptId : null };
      if (first) {
        // The account is now protected by a factor: whoever else was signed in with the password alone is signed out.
        await this.management.revokeOtherSessions(principal.userId, keep, 'first_factor_activated', tx);
      } else {
        await handler.onActivated?.(factor, context, keep, tx);
      }
      await this.audit.record(
        { type: 'mfa.factor.activated', userId: principal.userId, meta, metadata: { factorId: factor.id, factorType: factor.type } },
        tx,
      );
      if (principal.kind === 'mfa') return this.upgrades.completeSecondFactor(principal, proof.amr, meta, tx);
      return null;
    });
    const activated = await this.factors.findOwned(principal.userId, factor.id);
    const view = toFactorView(activated ?? factor);
    if (!tokens) return view;
    const { status: _status, ...credentials } = tokens;
    return { ...view, ...credentials };
  }

  /**
   * Runs `then` (which ends the login attempt) and spends the proof (which
   * also ends the account's run of failures) in one transaction. The order is
   * the lock order every statement on this path keeps — login attempt, then
   * challenge and factor, then the account's budget — so concurrent verifies
   * of one login cannot deadlock. A refusal found while spending is recorded
   * after the rollback.
   */
  private async upgrade<T>(proof: SecondFactorProof, then: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(async (tx) => {
        const result = await then(tx);
        await proof.consume(tx);
        return result;
      });
    } catch (error) {
      if (error instanceof RefusalAfterRollback) return error.record();
      throw error;
    }
  }

  private async handlerForVerify(input: VerifyInput, userId: string): Promise<MfaFactor> {
    if (input.type !== undefined) {
      if (!isFactorType(input.type)) throw validationFailed([{ field: 'type', message: 'is not a factor type' }]);
      return this.handler(input.type);
    }
    if (typeof input.challengeId === 'string') {
      // Which kind of answer this is shows in its fields; the factor then finds (or does not find) the challenge.
      const handler = this.registry.all().find((h) => h.answers?.(input));
      if (!handler) throw new MfaException('NOT_FOUND', { detail: 'No such challenge.' });
      return handler;
    }
    if (typeof input.factorId === 'string') {
      const factor = await this.factors.findOwned(userId, input.factorId);
      if (!factor || factor.status !== 'active') throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
      return this.handler(factor.type);
    }
    throw validationFailed([{ field: 'challengeId', message: 'challengeId, factorId or type is required' }]);
  }

  private handler(type: FactorType): MfaFactor {
    return this.registry.get(type);
  }

  /**
   * Refuses a factor type the policy does not allow, unless it is one of the
   * user's grandfathered factors (assurance.ts): then it returns true.
   */
  private async assertAllowed(type: FactorType, user: UserProfile): Promise<boolean> {
    const rule = await this.policy.ruleFor(user);
    if (rule.allowedFactors.includes(type)) return false;
    const active = (await this.factors.listActive(user.id)).map((f) => f.type);
    if (grandfatheredTypes(rule, active).includes(type)) return true;
    throw new MfaException('MFA_FACTOR_NOT_ALLOWED', { detail: 'The MFA policy no longer allows this factor. Use one of your other factors.' });
  }
}

/** The caller and the user as the guard loaded them: no second read of the user row. */
function contextOf(principal: MfaPrincipal | AccessPrincipal, meta: RequestMeta): FactorContext {
  return { principal, user: principal.user, meta };
}
