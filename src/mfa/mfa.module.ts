import { Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { AlertsModule } from '../alerts/alerts.module.js';
import { PolicyModule } from '../policy/policy.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SmsModule } from '../sms/sms.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountLimitService } from './account-limit.service.js';
import { FactorChangePolicyService } from './factor-change-policy.service.js';
import { FactorManagementService } from './factor-management.service.js';
import { FactorDirectory } from './factor-directory.js';
import { EnrollmentGraceRepository } from './enrollment-grace.repository.js';
import { EnrollmentGraceService } from './enrollment-grace.service.js';
import { FactorRegistry } from './factor-registry.js';
import { SmsChallengeService } from './factors/sms/sms-challenge.service.js';
import { SmsEnrolmentService } from './factors/sms/sms-enrolment.service.js';
import { SmsFactor } from './factors/sms/sms.factor.js';
import { SmsResendController } from './factors/sms/sms-resend.controller.js';
import { SmsEnrolmentController } from './factors/sms/sms-enrolment.controller.js';
import { SmsPhoneChangeService } from './factors/sms/sms-phone-change.service.js';
import { RecoveryCodeFactor } from './factors/recovery-codes/recovery-code.factor.js';
import { RecoveryCodesController } from './factors/recovery-codes/recovery-codes.controller.js';
import { RecoveryCodesService } from './factors/recovery-codes/recovery-codes.service.js';
import { TotpEnrolmentController } from './factors/totp/totp-enrolment.controller.js';
import { TotpEnrolmentService } from './factors/totp/totp-enrolment.service.js';
import { TotpSecretsService } from './factors/totp/totp-secrets.service.js';
import { TotpFactor } from './factors/totp/totp.factor.js';
import { WebauthnChallengesService } from './factors/webauthn/webauthn-challenges.service.js';
import { WebauthnCredentialsService } from './factors/webauthn/webauthn-credentials.service.js';
import { WebauthnEnrolmentController } from './factors/webauthn/webauthn-enrolment.controller.js';
import { WebauthnRegistrationService } from './factors/webauthn/webauthn-registration.service.js';
import { WebauthnRelyingPartyService } from './factors/webauthn/webauthn-relying-party.service.js';
import { WebauthnFactor } from './factors/webauthn/webauthn.factor.js';
import { MeFactorsController } from './me-factors.controller.js';
import { MfaService } from './mfa.service.js';
import { MfaFactorsService } from './mfa-factors.service.js';
import { FactorsRepository } from './factors.repository.js';
import { SmsChallengesRepository } from './factors/sms/sms-challenges.repository.js';
import { AttemptBudgetRepository } from './attempt-budget.repository.js';

/**
 * Second factors: the factor interface and registry, one folder per factor,
 * the user's own factor routes. `register(runtime)` answers the same module
 * for the same runtime, so the modules that import it (login, admin) share
 * one instance, and one SMS outbox worker.
 */
@Module({})
export class MfaModule {
  private static readonly registered = new WeakMap<AppRuntime, DynamicModule>();

  static register(runtime: AppRuntime): DynamicModule {
    const known = MfaModule.registered.get(runtime);
    if (known) return known;
    const module: DynamicModule = {
      module: MfaModule,
      imports: [SessionsModule, UsersModule, PolicyModule, AlertsModule, SmsModule.register(runtime)],
      controllers: [MeFactorsController, SmsEnrolmentController, SmsResendController, TotpEnrolmentController, RecoveryCodesController, WebauthnEnrolmentController],
      providers: [
        FactorsRepository,
        EnrollmentGraceRepository,
        EnrollmentGraceService,
        SmsChallengesRepository,
        AttemptBudgetRepository,
        MfaFactorsService,
        { provide: FactorDirectory, useExisting: MfaFactorsService },
        FactorRegistry,
        MfaService,
        FactorChangePolicyService,
        FactorManagementService,
        AccountLimitService,
        SmsChallengeService,
        SmsEnrolmentService,
        SmsPhoneChangeService,
        SmsFactor,
        TotpSecretsService,
        TotpEnrolmentService,
        TotpFactor,
        RecoveryCodesService,
        RecoveryCodeFactor,
        WebauthnRelyingPartyService,
        WebauthnChallengesService,
        WebauthnCredentialsService,
        WebauthnRegistrationService,
        WebauthnFactor,
      ],
      exports: [MfaService, FactorDirectory, MfaFactorsService, FactorChangePolicyService, FactorManagementService, AccountLimitService, EnrollmentGraceService],
    };
    MfaModule.registered.set(runtime, module);
    return module;
  }
}
