import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { AuthModule } from '../auth/auth.module.js';
import { SmsModule } from '../sms/sms.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountLimitService } from './account-limit.service.js';
import { FactorChangePolicyService } from './factor-change-policy.service.js';
import { FactorManagementService } from './factor-management.service.js';
import { FactorDirectory } from './factor-directory.js';
import { FactorRegistry } from './factor-registry.js';
import { SmsChallengeService } from './factors/sms/sms-challenge.service.js';
import { SmsEnrolmentService } from './factors/sms/sms-enrolment.service.js';
import { SmsFactor } from './factors/sms/sms.factor.js';
import { MeFactorsController } from './me-factors.controller.js';
import { MfaController } from './mfa.controller.js';
import { MfaService } from './mfa.service.js';
import { MfaFactorsService } from './mfa-factors.service.js';

/**
 * Second factors. Global so that the login flow (auth module) can list a
 * user's factors through the FactorDirectory port without an import cycle.
 */
@Global()
@Module({})
export class MfaModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: MfaModule,
      imports: [AuthModule, UsersModule, SmsModule.register(runtime)],
      controllers: [MfaController, MeFactorsController],
      providers: [
        MfaFactorsService,
        { provide: FactorDirectory, useExisting: MfaFactorsService },
        FactorRegistry,
        MfaService,
        FactorChangePolicyService,
        FactorManagementService,
        AccountLimitService,
        SmsChallengeService,
        SmsEnrolmentService,
        SmsFactor,
      ],
      exports: [FactorDirectory, MfaFactorsService, FactorChangePolicyService, FactorManagementService, AccountLimitService],
    };
  }
}
