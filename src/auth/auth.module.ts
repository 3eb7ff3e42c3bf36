import { Module } from '@nestjs/common';
import { LoginAttemptsRepository } from './sessions/login-attempts.repository.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { PasswordAttemptsRepository } from './sessions/password-attempts.repository.js';
import { APP_GUARD } from '@nestjs/core';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { AuthGuard } from './guards/auth.guard.js';
import { JwksController } from './jwks.controller.js';
import { RegistrationService } from './registration.service.js';
import { LoginAttemptsService } from './sessions/login-attempts.service.js';
import { SessionsService } from './sessions/sessions.service.js';
import { JwtStrategy } from './strategies/jwt.strategy.js';
import { MfaJwtStrategy } from './strategies/mfa-jwt.strategy.js';
import { TokenAuthenticator } from './strategies/token-authenticator.js';
import { TokenService } from './tokens/token.service.js';
import { VerificationKeys } from './tokens/verification-keys.js';

@Module({
  imports: [UsersModule],
  controllers: [AuthController, JwksController],
  providers: [
    AuthService,
    RegistrationService,
    SessionsService,
    LoginAttemptsService,
    LoginAttemptsRepository,
    SessionsRepository,
    PasswordAttemptsRepository,
    TokenService,
    VerificationKeys,
    JwtStrategy,
    MfaJwtStrategy,
    TokenAuthenticator,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, SessionsService, TokenService, LoginAttemptsService],
})
export class AuthModule {}
