import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AuthException } from '../auth/auth.exception.js';
import { AuthService, type TokensResponse } from '../auth/auth.service.js';
import type { AccessPrincipal, MfaPrincipal } from '../auth/guards/principal.js';
import { validationFailed } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { PolicyService } from '../policy/policy.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { FactorManagementService } from './factor-management.service.js';
import { FactorRegistry } from './factor-registry.js';
import { isFactorType, type FactorType } from './factor-type.js';
import { MfaException } from './mfa.exception.js';
import type { ActivateInput, FactorContext, MfaFactor, SecondFactorProof, VerifyInput } from './mfa-factor.js';
import { MfaFactorsService, toFactorView } from './mfa-factors.service.js';

/**
 * The second step of a login (and of step-up): start a challenge, verify a
 * proof, upgrade. Factor-specific work is delegated through the registry.
 */
@Injectable()
export class MfaService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: FactorRegistry,
    private readonly factors: MfaFactorsService,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly management: FactorManagementService,
  ) {}

  async startChallenge(principal: MfaPrincipal, factorId: string, meta: RequestMeta): Promise<object> {
    const context = await this.context(principal, meta);
    const factor = await this.factors.findOwned(principal.userId, factorId);
    if (!factor || factor.status !== 'active') throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    await this.assertAllowed(factor.type);
    const handler = this.handler(factor.type);
    if (!handler.startChallenge) {
      throw validationFailed([{ field: 'factorId', message: `a ${factor.type} factor needs no challenge: verify its code directly` }]);
    }
    return handler.startChallenge(factor, context);
  }

  async verify(principal: MfaPrincipal, input: VerifyInput, meta: RequestMeta): Promise<TokensResponse> {
    const context = await this.context(principal, meta);
    const { handler, challenge } = await this.handlerForVerify(input, principal.userId);
    // A completed login attempt may only learn that its code was used; it gets no further guesses.
    if (challenge === 'consumed') throw new MfaException('MFA_CHALLENGE_USED');
    if (principal.attemptConsumed) throw new AuthException('MFA_TOKEN_INVALID');
    await this.assertAllowed(handler.type);
    const proof = await handler.verify(input, context);
    return this.upgrade(principal, proof, meta);
  }

  /**
   * Activates a pending factor with its first proof. With the enrolment
   * mfaToken this also completes the login (api.md: mfa_enrollment_required).
   */
  async activate(principal: AccessPrincipal | MfaPrincipal, factorId: string, input: ActivateInput, meta: RequestMeta) {
    const context = await this.context(principal, meta);
    const factor = await this.factors.findOwned(principal.userId, factorId);
    if (!factor) throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    if (factor.status === 'active') throw new MfaException('CONFLICT', { detail: 'The factor is already active.' });
    const handler = this.handler(factor.type);
    if (!handler.activate) throw new MfaException('CONFLICT', { detail: `A ${factor.type} factor is active as soon as it is registered.` });
    const proof = await handler.activate(factor, input, context);
    let notices: string[] = [];
    const tokens = await this.dataSource.transaction(async (manager) => {
      await proof.consume(manager);
      if (factor.type === 'sms') {
        notices = await this.management.onPhoneActivated(factor, principal.kind === 'access' ? principal.sessionId : null, manager);
      }
      await this.audit.record(
        { type: 'mfa.factor.activated', userId: principal.userId, meta, metadata: { factorId: factor.id, factorType: factor.type } },
        manager,
      );
      if (principal.kind === 'mfa') return this.auth.completeSecondFactor(principal, proof.amr, meta, manager);
      return null;
    });
    await this.management.deliverNotices(notices);
    const activated = await this.factors.findOwned(principal.userId, factor.id);
    const view = toFactorView(activated ?? factor);
    if (!tokens) return view;
    const { status: _status, ...credentials } = tokens;
    return { ...view, ...credentials };
  }

  private async upgrade(principal: MfaPrincipal, proof: SecondFactorProof, meta: RequestMeta): Promise<TokensResponse> {
    return this.dataSource.transaction(async (manager) => {
      await proof.consume(manager);
      if (proof.factorId) await this.factors.touch(proof.factorId, manager);
      return this.auth.completeSecondFactor(principal, proof.amr, meta, manager);
    });
  }

  private async handlerForVerify(
    input: VerifyInput,
    userId: string,
  ): Promise<{ handler: MfaFactor; challenge: 'none' | 'open' | 'consumed' }> {
    if (input.type !== undefined) {
      if (!isFactorType(input.type)) throw validationFailed([{ field: 'type', message: 'is not a factor type' }]);
      return { handler: this.handler(input.type), challenge: 'none' };
    }
    if (typeof input.challengeId === 'string') {
      for (const handler of this.registry.all()) {
        const state = handler.challengeState ? await handler.challengeState(input.challengeId, userId) : 'none';
        if (state !== 'none') return { handler, challenge: state };
      }
      throw new MfaException('NOT_FOUND', { detail: 'No such challenge.' });
    }
    if (typeof input.factorId === 'string') {
      const factor = await this.factors.findOwned(userId, input.factorId);
      if (!factor || factor.status !== 'active') throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
      return { handler: this.handler(factor.type), challenge: 'none' };
    }
    throw validationFailed([{ field: 'challengeId', message: 'challengeId, factorId or type is required' }]);
  }

  private handler(type: FactorType): MfaFactor {
    return this.registry.get(type);
  }

  private async assertAllowed(type: FactorType): Promise<void> {
    const policy = await this.policy.current();
    if (!policy.allowedFactors.includes(type)) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
  }

  private async context(principal: MfaPrincipal | AccessPrincipal, meta: RequestMeta): Promise<FactorContext> {
    const user: User | null = await this.users.findById(principal.userId);
    if (!user) throw new MfaException('NOT_FOUND');
    return { principal, user, meta };
  }
}
