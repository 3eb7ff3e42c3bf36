import { Module, type DynamicModule } from '@nestjs/common';
import type { AppRuntime } from '../app-runtime.js';
import { AccountModule } from '../account/account.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { PolicyModule } from '../policy/policy.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { LoginController } from './login.controller.js';
import { LoginService } from './login.service.js';
import { MfaController } from './mfa.controller.js';
import { PasswordAttemptsRepository } from './password-attempts.repository.js';
import { RegistrationService } from './registration.service.js';

/**
 * The login flow: registration, the password step (its per-account budget,
 * then tokens or an mfaToken), the second step's challenge and verify routes,
 * and step-up. It builds on auth (who is calling) and mfa (the factors);
 * neither of those knows about it.
 */
@Module({})
export class LoginModule {
  static register(runtime: AppRuntime): DynamicModule {
    return {
      module: LoginModule,
      imports: [AuthModule, AccountModule.register(runtime), MfaModule.register(runtime), SessionsModule, TokensModule, UsersModule, PolicyModule],
      controllers: [LoginController, MfaController],
      providers: [LoginService, RegistrationService, PasswordAttemptsRepository],
    };
  }
}
