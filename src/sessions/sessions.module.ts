import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module.js';
import { LoginAttemptsRepository } from './login-attempts.repository.js';
import { LoginAttemptsService } from './login-attempts.service.js';
import { SessionUpgradeService } from './session-upgrade.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

/**
 * Server-side sessions with their refresh tokens, the login attempts behind
 * mfaTokens, and the upgrade step that turns a completed attempt into a
 * session. The token strategies, the login flow, the factors and the admin
 * routes all build on it.
 */
@Module({
  imports: [TokensModule],
  providers: [SessionsService, LoginAttemptsService, SessionsRepository, LoginAttemptsRepository, SessionUpgradeService],
  exports: [SessionsService, LoginAttemptsService, SessionUpgradeService],
})
export class SessionsModule {}
