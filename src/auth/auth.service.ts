import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TokenService, type TokensResponse } from '../tokens/token.service.js';

/** A signed-in session's own operations: refreshing its tokens and ending it. */
@Injectable()
export class AuthService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
  ) {}

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokensResponse> {
    const { session, refreshToken: next, user } = await this.sessions.rotate(refreshToken, meta);
    return this.tokens.tokensFor(user, session, next);
  }

  async logout(userId: string, sessionId: string, meta: RequestMeta): Promise<void> {
    await this.sessions.revoke(sessionId, 'logout');
    await this.audit.record({ type: 'logout', userId, meta, metadata: { sessionId } });
  }
}
