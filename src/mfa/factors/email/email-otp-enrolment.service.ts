import { Injectable } from '@nestjs/common';
import { AuditService } from '../../../audit/audit.service.js';
import { validationFailed } from '../../../common/errors/problem.exception.js';
import { Database } from '../../../database/database.js';
import { maskEmail } from '../../../email/email-delivery.service.js';
import { normaliseEmail } from '../../../users/users.service.js';
import { bindingOf } from '../../challenge-binding.js';
import { FactorChangePolicyService } from '../../factor-change-policy.service.js';
import type { FactorContext } from '../../mfa-factor.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { EmailOtpChallengeService } from './email-otp-challenge.service.js';

/**
 * Adding the email factor: a pending factor and a code sent to the account's
 * address; the first code activates it. The factor always mails the
 * account's current address, so a request field can never redirect a code
 * (security.md); `email`, when given, must be that address.
 */
@Injectable()
export class EmailOtpEnrolmentService {
  constructor(
    private readonly db: Database,
    private readonly factors: MfaFactorsService,
    private readonly challenges: EmailOtpChallengeService,
    private readonly changes: FactorChangePolicyService,
    private readonly audit: AuditService,
  ) {}

  async enrol(email: string | undefined, context: FactorContext) {
    await this.changes.assertMayEnrol(context.principal, 'email');
    if (email !== undefined && normaliseEmail(email) !== context.user.email) {
      throw validationFailed([{ field: 'email', message: "must be the account's address (change it first with POST /me/email)" }]);
    }
    const userId = context.principal.userId;
    const factor = await this.db.transaction(async (tx) => {
      await this.factors.removeStalePending(userId, tx, 'email');
      const created = await this.factors.createPendingEmail(userId, maskEmail(context.user.email), tx);
      await this.audit.record(
        { type: 'mfa.factor.enrolled', userId, meta: context.meta, metadata: { factorId: created.id, factorType: 'email', destination: created.label } },
        tx,
      );
      return created;
    });
    const challenge = await this.challenges.start(factor, 'enroll', bindingOf(context.principal), { meta: context.meta, user: context.user });
    return { factorId: factor.id, challengeId: challenge.challengeId, destination: challenge.destination, expiresAt: challenge.expiresAt, status: 'pending' as const };
  }
}
