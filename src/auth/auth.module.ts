import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PolicyModule } from '../policy/policy.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { AuthGuard } from './guards/auth.guard.js';
import { JwksController } from './jwks.controller.js';
import { JwtStrategy } from './strategies/jwt.strategy.js';
import { MfaJwtStrategy } from './strategies/mfa-jwt.strategy.js';
import { TokenAuthenticator } from './strategies/token-authenticator.js';

/**
 * Who is calling: the `jwt` and `mfa-jwt` strategies, the one global guard
 * that runs them for every route's access statement, and a session's own
 * routes (refresh, logout, me) and the JWKS.
 */
@Module({
  imports: [SessionsModule, TokensModule, PolicyModule],
  controllers: [AuthController, JwksController],
  providers: [AuthService, JwtStrategy, MfaJwtStrategy, TokenAuthenticator, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
