import { Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { RateCountersRepository } from '../common/rate-counters.repository.js';
import { EmailModule } from '../email/email.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { CredentialChangeService } from './credential-change.service.js';
import { EmailController } from './email.controller.js';
import { EmailVerificationService } from './email-verification.service.js';
import { EmailVerificationTokensRepository } from './email-verification-tokens.repository.js';
import { MeSessionsController } from './me-sessions.controller.js';
import { MeSessionsService } from './me-sessions.service.js';
import { PasswordChangeService } from './password-change.service.js';
import { PasswordController } from './password.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { PasswordResetTokensRepository } from './password-reset-tokens.repository.js';

/**
 * The account's self-service: password reset and change, email
 * verification and change, the user's own sessions. Builds on users, sessions, mfa (the step-up rule, the numbers to
 * tell) and the email and SMS channels; nothing below depends on it.
 */
@Module({})
export class AccountModule {
  private static readonly registered = new WeakMap<AppRuntime, DynamicModule>();

  /** One module per runtime, whichever modules import it (the app, login for registration's link). */
  static register(runtime: AppRuntime): DynamicModule {
    const known = AccountModule.registered.get(runtime);
    if (known) return known;
    const module: DynamicModule = {
      module: AccountModule,
      imports: [UsersModule, SessionsModule, MfaModule.register(runtime), EmailModule.register(runtime)],
      controllers: [PasswordController, MeSessionsController, EmailController],
      providers: [
        CredentialChangeService,
        PasswordResetService,
        PasswordChangeService,
        PasswordResetTokensRepository,
        MeSessionsService,
        RateCountersRepository,
        EmailVerificationService,
        EmailVerificationTokensRepository,
      ],
      exports: [CredentialChangeService, EmailVerificationService],
    };
    AccountModule.registered.set(runtime, module);
    return module;
  }
}
