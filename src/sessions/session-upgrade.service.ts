import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import type { Tx } from '../database/database.js';
import { TokenService, type TokensResponse } from '../tokens/token.service.js';
import type { Amr } from '../vocabulary/assurance.js';
import type { MfaPrincipal } from '../vocabulary/principal.js';
import { LoginAttemptsService } from './login-attempts.service.js';
import type { Session } from './session.entity.js';
import { SessionsService } from './sessions.service.js';
import { SessionsException } from './sessions.exception.js';

/**
 * The upgrade step, called once a second factor has verified its proof and
 * in the same transaction: consumes the mfaToken, then creates the full
 * session (or upgrades the step-up session) and returns tokens. It sits with
 * the sessions, below the factors, because enrolment completes a login too
 * (a first factor activated, a passkey registered with the enrolment token).
 */
@Injectable()
export class SessionUpgradeService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly attempts: LoginAttemptsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async completeSecondFactor(principal: MfaPrincipal, method: Amr, meta: RequestMeta, tx: Tx): Promise<TokensResponse> {
    const user = principal.user;
    let issued: { session: Session; refreshToken: string } | null;
    if (principal.purpose === 'step_up' && principal.sessionId) {
      if (!(await this.attempts.consume(principal.attemptId, tx))) throw new SessionsException('MFA_TOKEN_INVALID');
      const session = await this.sessions.upgrade(principal.sessionId, [method], tx);
      if (!session || session.revokedAt) throw new SessionsException('MFA_TOKEN_INVALID');
      issued = { session, refreshToken: await this.sessions.reissueRefreshToken(session.id, tx) };
      await this.audit.record({ type: 'mfa.step_up.completed', userId: user.id, meta, metadata: { method } }, tx);
    } else {
      // The mfaToken is consumed and the session created in one statement.
      issued = await this.sessions.createForAttempt(principal.attemptId, { userId: user.id, amr: ['pwd', method], authTime: this.clock.now(), meta }, tx);
      if (!issued) throw new SessionsException('MFA_TOKEN_INVALID');
      await this.audit.record({ type: 'login.succeeded', userId: user.id, meta, metadata: { aal: issued.session.aal, amr: issued.session.amr } }, tx);
    }
    return this.tokens.tokensFor(user, issued.session, issued.refreshToken);
  }
}
