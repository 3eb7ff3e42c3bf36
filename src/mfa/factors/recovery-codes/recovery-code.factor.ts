import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../database/database.js';
import { AuditService } from '../../../audit/audit.service.js';
import { EmailDeliveryService } from '../../../email/email-delivery.service.js';
import { validationFailed } from '../../../common/errors/problem.exception.js';
import { mfaVerificationsTotal } from '../../mfa-metrics.js';
import { AccountLimitService } from '../../account-limit.service.js';
import { MfaException } from '../../mfa.exception.js';
import { RefusalAfterRollback, type FactorContext, type MfaFactor, type SecondFactorProof, type VerifyInput } from '../../mfa-factor.js';
import { normaliseRecoveryCode } from './recovery-code.js';
import { RecoveryCodesService } from './recovery-codes.service.js';

/**
 * Recovery codes, verified with `{ type: "recovery_code", code }`. No
 * challenge and no activation: a set is active as soon as it is generated
 * (POST /me/mfa/recovery-codes).
 *
 * amr: RFC 8176 registers no method for pre-generated lookup codes. They are
 * not RFC 4226/6238 one-time passwords (`otp`), and `pwd`/`kba` would be
 * wrong, so a login with one reports the registered generic value `mfa`:
 * a second factor was completed, and relying parties can tell a recovery
 * login from an app or SMS login.
 */
@Injectable()
export class RecoveryCodeFactor implements MfaFactor {
  readonly type = 'recovery_code' as const;

  constructor(
    private readonly codes: RecoveryCodesService,
    private readonly accountLimit: AccountLimitService,
    private readonly audit: AuditService,
    private readonly email: EmailDeliveryService,
  ) {}

  async verify(input: VerifyInput, context: FactorContext): Promise<SecondFactorProof> {
    if (typeof input.code !== 'string') throw validationFailed([{ field: 'code', message: 'is required' }]);
    const userId = context.user.id;
    // The account limit first: guesses at recovery codes share the budget of every other factor (NIST SP 800-63B §5.2.2).
    await this.accountLimit.reserve(userId, context.principal.kind === 'mfa' ? context.principal.attemptId : null, context.meta);
    const normalised = normaliseRecoveryCode(input.code);
    // Looked up by its keyed hash: the plaintext is never stored, nor compared in SQL.
    const codeHash = normalised === null ? null : this.codes.hashOf(normalised);
    const factorId = codeHash === null ? null : await this.codes.findUnused(userId, codeHash);
    if (codeHash === null || factorId === null) return this.refuse(context);
    return {
      factorId,
      amr: 'mfa',
      consume: async (tx: Tx) => {
        const spent = await this.codes.spend(userId, codeHash, tx);
        // Another request spent it between the lookup and now: for this one it is a used code,
        // recorded once the upgrade has rolled back.
        if (!spent) throw new RefusalAfterRollback(() => this.refuse(context));
        await this.accountLimit.succeeded(userId, tx);
        await this.audit.record(
          {
            type: 'mfa.recovery_code.used',
            userId,
            meta: context.meta,
            metadata: { factorId: spent.factorId, remaining: spent.remaining },
          },
          tx,
        );
        // A recovery code in use is what an attacker with the password would try: the owner hears of it.
        await this.email.notify(tx, context.user, 'recovery_code_used', { remaining: spent.remaining });
        mfaVerificationsTotal.inc({ factor: 'recovery_code', result: 'verified' });
      },
    };
  }

  /**
   * A wrong or used code: one failed attempt for the account limit, audited,
   * and the same 401 either way. Never inside a transaction: a refusal from
   * consume() is recorded after its rollback.
   */
  private async refuse(context: FactorContext): Promise<never> {
    await this.accountLimit.recordFailure(context.user.id, 'recovery_code');
    await this.audit.record({
      type: 'mfa.code.failed',
      userId: context.user.id,
      meta: context.meta,
      metadata: { factorType: 'recovery_code' },
    });
    mfaVerificationsTotal.inc({ factor: 'recovery_code', result: 'invalid' });
    throw new MfaException('MFA_INVALID_CODE');
  }
}
