import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import type { AccessPrincipal } from '../../vocabulary/principal.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { ACCESS_TOKEN } from '../../tokens/token.service.js';
import { VerificationKeys } from '../../tokens/verification-keys.js';
import { TokenStrategy } from './token.strategy.js';
import { isUuid } from '../../common/validation/fields.js';

/**
 * Access tokens (`typ: at+jwt`, audience `sesame`). The token must still
 * belong to a live session, so logout and revocation take effect at once;
 * roles, aal and amr come from the database with it, in one query, so
 * removing a role takes effect at once too.
 */
@Injectable()
export class JwtStrategy extends TokenStrategy<AccessPrincipal>('jwt') {
  constructor(
    keys: VerificationKeys,
    clock: Clock,
    private readonly sessions: SessionsService,
  ) {
    super(keys, clock, ACCESS_TOKEN);
  }

  protected async principalFor(payload: Record<string, unknown>): Promise<AccessPrincipal | null> {
    const { sub, sid, aal, amr, auth_time, roles } = payload;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      !isUuid(sid) ||
      (aal !== 'aal1' && aal !== 'aal2') ||
      !Array.isArray(amr) ||
      typeof auth_time !== 'number' ||
      !Array.isArray(roles)
    ) {
      return null;
    }
    const found = await this.sessions.findActiveWithUser(sid);
    if (!found || found.session.userId !== sub) return null;
    const { session, user } = found;
    return {
      kind: 'access',
      userId: sub,
      sessionId: sid,
      aal: session.aal,
      amr: session.amr,
      authTime: session.authTime,
      roles: user.roles,
      user,
    };
  }
}

