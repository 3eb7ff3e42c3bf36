import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../database/database.js';
import { AuditService } from '../../../audit/audit.service.js';
import { Clock } from '../../../common/clock.js';
import { validationFailed } from '../../../common/errors/problem.exception.js';
import { mfaVerificationsTotal } from '../../mfa-metrics.js';
import { AccountLimitService } from '../../account-limit.service.js';
import type { Factor } from '../../factor.entity.js';
import { MfaException } from '../../mfa.exception.js';
import { RefusalAfterRollback, type ActivateInput, type FactorContext, type MfaFactor, type SecondFactorProof, type VerifyInput } from '../../mfa-factor.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { verifyTotp } from './totp.js';
import { TotpSecretsService } from './totp-secrets.service.js';

/**
 * RFC 6238 §5.2 recommends accepting at most one step of clock drift either
 * way; a code from two steps away is refused.
 */
const DRIFT_WINDOW_STEPS = 1;

/**
 * Authenticator-app codes (RFC 6238 TOTP; RFC 8176 amr `otp`). No challenge:
 * the code is derived from the shared secret and the time. Each time step is
 * accepted once per factor, so a code seen over someone's shoulder or through
 * a phishing proxy cannot be used a second time (security.md: Factors).
 */
@Injectable()
export class TotpFactor implements MfaFactor {
  readonly type = 'totp' as const;

  constructor(
    private readonly secrets: TotpSecretsService,
    private readonly factors: MfaFactorsService,
    private readonly accountLimit: AccountLimitService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async verify(input: VerifyInput, context: FactorContext): Promise<SecondFactorProof> {
    const { factorId, code } = requireFactorCode(input);
    const factor = await this.factors.findOwned(context.user.id, factorId);
    if (!factor || factor.type !== 'totp' || factor.status !== 'active') {
      throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    }
    const step = await this.check(factor, code, context);
    return {
      factorId: factor.id,
      amr: 'otp',
      consume: async (tx: Tx) => {
        await this.spend(factor, step, context, tx);
        await this.factors.touch(factor.id, tx);
        await this.accountLimit.succeeded(factor.userId, tx);
        mfaVerificationsTotal.inc({ factor: 'totp', result: 'verified' });
      },
    };
  }

  /** The first code from the app proves the user holds the secret; its step counts as used. */
  async activate(factor: Factor, input: ActivateInput, context: FactorContext): Promise<SecondFactorProof> {
    if (typeof input.code !== 'string') throw validationFailed([{ field: 'code', message: 'is required' }]);
    const step = await this.check(factor, input.code, context);
    return {
      factorId: factor.id,
      amr: 'otp',
      consume: async (tx: Tx) => {
        await this.spend(factor, step, context, tx);
        if (!(await this.factors.activate(factor.id, tx))) {
          throw new MfaException('CONFLICT', { detail: 'The factor is already active.' });
        }
        await this.accountLimit.succeeded(factor.userId, tx);
      },
    };
  }

  /**
   * Checks a code and returns the step it belongs to. The account limit comes
   * first, so guesses across factors and logins share one budget (NIST SP
   * 800-63B §5.2.2); a wrong guess is counted towards it.
   */
  private async check(factor: Factor, code: string, context: FactorContext): Promise<number> {
    await this.accountLimit.reserve(factor.userId, context.principal.kind === 'mfa' ? context.principal.attemptId : null, context.meta);
    const stored = await this.secrets.load(factor.id);
    if (!stored) throw new MfaException('NOT_FOUND', { detail: 'No such factor.' });
    // Apps show the code as "123 456"; the space is presentation, not part of the code.
    const submitted = code.replace(/\s+/g, '');
    const result = verifyTotp(
      stored.secret,
      submitted,
      this.clock.now().getTime() / 1000,
      stored.params,
      DRIFT_WINDOW_STEPS,
    );
    if (!result.ok) return this.refuse(factor, context, 'invalid');
    // Already spent: refused here without a transaction; spend() is the authoritative check under concurrency.
    if (stored.lastUsedStep !== null && result.step <= stored.lastUsedStep) {
      return this.refuse(factor, context, 'replayed');
    }
    return result.step;
  }

  /** Spends the step inside the caller's transaction: of concurrent submissions of one code, one wins. */
  private async spend(factor: Factor, step: number, context: FactorContext, tx: Tx): Promise<void> {
    // A replay found here is recorded once the upgrade has rolled back, on the pool.
    if (!(await this.secrets.claimStep(factor.id, step, tx))) throw new RefusalAfterRollback(() => this.refuse(factor, context, 'replayed'));
    await this.audit.record(
      {
        type: 'mfa.code.verified',
        userId: factor.userId,
        meta: context.meta,
        metadata: { factorType: 'totp', factorId: factor.id },
      },
      tx,
    );
  }

  /**
   * A refused code, wrong or replayed, is one failed attempt for the account
   * limit and an audit event (security.md: a replay is rejected and audited).
   * Both answer the same 401, so the caller cannot tell a used code from a
   * wrong one. Never called inside a transaction: a replay found while
   * spending is recorded after the upgrade's rollback (RefusalAfterRollback).
   */
  private async refuse(factor: Factor, context: FactorContext, reason: 'invalid' | 'replayed'): Promise<never> {
    await this.accountLimit.recordFailure(factor.userId, 'totp');
    await this.audit.record({
      type: reason === 'replayed' ? 'mfa.totp.replayed' : 'mfa.code.failed',
      userId: factor.userId,
      meta: context.meta,
      metadata: { factorType: 'totp', factorId: factor.id },
    });
    mfaVerificationsTotal.inc({ factor: 'totp', result: reason });
    throw new MfaException('MFA_INVALID_CODE');
  }
}

function requireFactorCode(input: VerifyInput): { factorId: string; code: string } {
  const errors = [];
  if (typeof input.factorId !== 'string') {
    errors.push({ field: 'factorId', message: 'is required for an authenticator-app code' });
  }
  if (typeof input.code !== 'string') errors.push({ field: 'code', message: 'is required' });
  if (errors.length > 0) throw validationFailed(errors);
  return { factorId: input.factorId!, code: input.code! };
}
