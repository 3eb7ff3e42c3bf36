import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import { AuditService } from '../audit/audit.service.js';
import { validationFailed } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { MfaException } from '../mfa/mfa.exception.js';
import { MfaFactorsService } from '../mfa/mfa-factors.service.js';
import { PolicyService } from '../policy/policy.service.js';
import { isCountryAllowed, parsePhoneNumber } from '../sms/phone-number.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { EmailVerificationService } from '../account/email-verification.service.js';

/**
 * Account creation. A `phone` given at registration is checked like any
 * enrolment (a mobile number in an allowed country) and kept as a *pending*
 * SMS factor: it becomes a factor only once the user verifies a code sent to
 * it (security.md: Factors). Registration itself never sends an SMS, so it
 * cannot be used to send texts to numbers nobody controls.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly db: Database,
    private readonly users: UsersService,
    private readonly factors: MfaFactorsService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly verification: EmailVerificationService,
  ) {}

  async register(input: { email: string; password: string; phone?: string }, meta: RequestMeta): Promise<User> {
    let phone: { e164: string; country: string } | null = null;
    if (input.phone !== undefined) {
      const parsed = parsePhoneNumber(input.phone);
      if (!parsed.ok) {
        throw validationFailed([{ field: 'phone', message: parsed.reason === 'not_mobile' ? 'must be a mobile number' : 'must be a valid phone number in international format' }]);
      }
      const policy = await this.policy.current();
      if (!isCountryAllowed(parsed.country, policy.sms.allowedCountries)) throw new MfaException('SMS_DESTINATION_NOT_ALLOWED');
      phone = parsed;
    }
    const user = await this.users.register({ email: input.email, password: input.password });
    if (phone) {
      const pending = phone;
      await this.factors.createPendingSms(user.id, pending.e164, pending.country, this.db);
    }
    await this.audit.record({ type: 'user.registered', userId: user.id, meta, metadata: { pendingPhone: phone !== null } });
    // The address is proved by opening the link mailed to it (POST /auth/email/verify).
    await this.db.transaction((tx) => this.verification.issue(tx, user, user.email, 'verify', meta.acceptLanguage));
    return user;
  }
}
