import { Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { RateCountersRepository } from '../common/rate-counters.repository.js';
import { EmailModule } from '../email/email.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { CredentialChangeService } from './credential-change.service.js';
import { MeSessionsController } from './me-sessions.controller.js';
import { MeSessionsService } from './me-sessions.service.js';
import { PasswordChangeService } from './password-change.service.js';
import { PasswordController } from './password.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { PasswordResetTokensRepository } from './password-reset-tokens.repository.js';

/**
 * The account's self-service: password reset and change, the user's own
 * sessions. Builds on users, sessions, mfa (the step-up rule, the numbers to
 * tell) and the email and SMS channels; nothing below depends on it.
 */
@Module({})
export class AccountModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: AccountModule,
      imports: [UsersModule, SessionsModule, MfaModule.register(runtime), EmailModule.register(runtime)],
      controllers: [PasswordController, MeSessionsController],
      providers: [CredentialChangeService, PasswordResetService, PasswordChangeService, PasswordResetTokensRepository, MeSessionsService, RateCountersRepository],
      exports: [CredentialChangeService],
    };
  }
}
