import { Injectable } from '@nestjs/common';
import { Database } from '../../../database/database.js';
import { AuditService } from '../../../audit/audit.service.js';
import { validationFailed } from '../../../common/errors/problem.exception.js';
import { PolicyService } from '../../../policy/policy.service.js';
import { isCountryAllowed, parsePhoneNumber } from '../../../sms/phone-number.js';
import { FactorChangePolicyService } from '../../factor-change-policy.service.js';
import { MfaException } from '../../mfa.exception.js';
import type { FactorContext } from '../../mfa-factor.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { bindingOf } from '../../challenge-binding.js';
import { SmsChallengeService } from './sms-challenge.service.js';

/**
 * Adding a phone: the number becomes a factor only after a code sent to it is
 * verified (security.md: Factors), so enrolment creates a *pending* factor and
 * an enrolment challenge; activation is the SMS factor's `activate`.
 */
@Injectable()
export class SmsEnrolmentService {
  constructor(
    private readonly db: Database,
    private readonly factors: MfaFactorsService,
    private readonly challenges: SmsChallengeService,
    private readonly changes: FactorChangePolicyService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
  ) {}

  async enrol(phone: string, context: FactorContext) {
    await this.changes.assertMayEnrol(context.principal, 'sms');
    const parsed = parsePhoneNumber(phone);
    if (!parsed.ok) {
      throw validationFailed([
        {
          field: 'phone',
          message:
            parsed.reason === 'not_mobile'
              ? 'must be a mobile number (landline, VoIP, premium-rate and toll-free numbers cannot receive codes)'
              : 'must be a valid phone number in international format, e.g. +447400123456',
        },
      ]);
    }
    const policy = await this.policy.current();
    if (!isCountryAllowed(parsed.country, policy.sms.allowedCountries)) {
      throw new MfaException('SMS_DESTINATION_NOT_ALLOWED', { detail: 'The MFA policy does not allow SMS to this country.' });
    }
    const userId = context.principal.userId;
    const factor = await this.db.transaction(async (tx) => {
      await this.factors.removeStalePending(userId, tx);
      const created = await this.factors.createPendingSms(userId, parsed.e164, parsed.country, tx);
      await this.audit.record(
        {
          type: 'mfa.factor.enrolled',
          userId,
          meta: context.meta,
          metadata: { factorId: created.id, factorType: 'sms', destination: created.label, country: parsed.country },
        },
        tx,
      );
      return created;
    });
    const challenge = await this.challenges.start(factor, 'enroll', bindingOf(context.principal), {
      meta: context.meta,
      userLocale: context.user.locale,
    });
    return {
      factorId: factor.id,
      challengeId: challenge.challengeId,
      destination: challenge.destination,
      expiresAt: challenge.expiresAt,
      resendAvailableAt: challenge.resendAvailableAt,
      status: 'pending' as const,
    };
  }
}

