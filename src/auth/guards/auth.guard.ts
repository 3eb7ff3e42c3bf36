import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { decodeProtectedHeader } from 'jose';
import { Clock } from '../../common/clock.js';
import { isFreshEnough } from '../../mfa/assurance.js';
import { PolicyService } from '../../policy/policy.service.js';
import { AuthException } from '../auth.exception.js';
import { LoginAttemptsService } from '../sessions/login-attempts.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { InvalidTokenError, TokenService } from '../tokens/token.service.js';
import { ACCESS_REQUIREMENT, type AccessRequirement } from './access.decorators.js';
import type { AccessPrincipal, MfaPrincipal, Principal } from './principal.js';

type AuthedRequest = Request & { principal?: Principal };

/**
 * The one guard, installed globally: every route states what it needs with
 * @Public(), @Authenticated() or @MfaTokenAuth(); a route that states nothing
 * is refused (style.md: deny by default).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly attempts: LoginAttemptsService,
    private readonly policy: PolicyService,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    if (!requirement) throw new AuthException('FORBIDDEN');
    if (requirement.kind === 'public') return true;

    const token = bearerToken(req);
    if (requirement.kind === 'mfa') {
      req.principal = await this.mfaPrincipal(token, requirement.purposes, requirement.allowConsumed);
      return true;
    }
    if (requirement.mfaPurposes.length > 0 && token && declaresMfaType(token)) {
      req.principal = await this.mfaPrincipal(token, requirement.mfaPurposes);
      return true;
    }
    const principal = await this.accessPrincipal(token);
    if (requirement.roles.some((role) => !principal.roles.includes(role))) throw new AuthException('FORBIDDEN');
    if (requirement.aal === 2 && principal.aal !== 'aal2') {
      throw new AuthException('STEP_UP_REQUIRED', { detail: 'Complete a second factor (POST /auth/step-up).' });
    }
    if (requirement.stepUp) {
      const policy = await this.policy.current();
      if (!isFreshEnough(principal.authTime, this.clock.now(), policy.stepUpMaxAgeSeconds)) {
        throw new AuthException('STEP_UP_REQUIRED', { detail: 'Authenticate again with a second factor (POST /auth/step-up).' });
      }
    }
    req.principal = principal;
    return true;
  }

  private async accessPrincipal(token: string | null): Promise<AccessPrincipal> {
    if (!token) throw new AuthException('UNAUTHENTICATED');
    let claims;
    try {
      claims = await this.tokens.verifyAccess(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new AuthException('UNAUTHENTICATED');
      throw error;
    }
    // The token must still belong to a live session: logout and revocation take effect at once.
    // Roles come from the database with it, so removing a role takes effect at once too.
    const found = isUuid(claims.sid) ? await this.sessions.findActiveWithUser(claims.sid) : null;
    if (!found || found.session.userId !== claims.sub) throw new AuthException('UNAUTHENTICATED');
    const { session, user } = found;
    return {
      kind: 'access',
      userId: claims.sub,
      sessionId: claims.sid,
      aal: session.aal,
      amr: session.amr,
      authTime: session.authTime,
      roles: user.roles,
      user,
    };
  }

  private async mfaPrincipal(token: string | null, purposes: readonly string[], allowConsumed = false): Promise<MfaPrincipal> {
    if (!token) throw new AuthException('MFA_TOKEN_INVALID');
    let claims;
    try {
      claims = await this.tokens.verifyMfa(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new AuthException('MFA_TOKEN_INVALID');
      throw error;
    }
    if (!purposes.includes(claims.purpose)) throw new AuthException('MFA_TOKEN_INVALID');
    const found = await this.attempts.findUsable(claims.jti, claims.sub, { allowConsumed });
    if (!found || found.attempt.purpose !== claims.purpose) throw new AuthException('MFA_TOKEN_INVALID');
    const { attempt, user } = found;
    return {
      kind: 'mfa',
      userId: claims.sub,
      attemptId: claims.jti,
      purpose: claims.purpose,
      sessionId: attempt.sessionId,
      attemptConsumed: attempt.consumedAt !== null,
      user,
    };
  }
}

/**
 * Which guard path a token takes is read from its (unverified) header; the
 * chosen path then verifies it in full, pinned to that type and audience, so
 * a forged header only leads to a refusal.
 */
function declaresMfaType(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === 'mfa+jwt';
  } catch {
    return false;
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > 8192) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  return match ? match[1] : null;
}
