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
import { TokenService } from './tokens/token.service.js';

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
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, SessionsService, TokenService, LoginAttemptsService],
})
export class AuthModule {}
