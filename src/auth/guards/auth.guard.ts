import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { decodeProtectedHeader } from 'jose';
import { Clock } from '../../common/clock.js';
import { isFreshEnough } from '../../vocabulary/assurance.js';
import { PolicyService } from '../../policy/policy.service.js';
import { AuthException } from '../auth.exception.js';
import { TokenAuthenticator } from '../strategies/token-authenticator.js';
import { bearerToken } from '../strategies/token.strategy.js';
import { ACCESS_REQUIREMENT, type AccessRequirement } from '../../vocabulary/access.decorators.js';
import { type MfaPurpose } from '../../vocabulary/assurance.js';
import type { MfaPrincipal, Principal } from '../../vocabulary/principal.js';

type AuthedRequest = Request & { principal?: Principal };

/**
 * The one guard, installed globally: every route states what it needs with
 * @Public(), @Authenticated() or @MfaTokenAuth(); a route that states nothing
 * is refused (style.md: deny by default). Tokens are checked by the passport
 * strategies `jwt` and `mfa-jwt` (src/auth/strategies); this guard picks one
 * from the route's statement and then applies the route's own rules.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenAuthenticator,
    private readonly policy: PolicyService,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_REQUIREMENT, [
      context.getHandler(),
      context.getClass(),
    ]);
    const http = context.switchToHttp();
    const req = http.getRequest<AuthedRequest>();
    if (!requirement) throw new AuthException('FORBIDDEN');
    if (requirement.kind === 'public') return true;

    if (requirement.kind === 'mfa') {
      req.principal = await this.mfaPrincipal(req, http.getResponse<Response>(), requirement.purposes, requirement.allowConsumed);
      return true;
    }
    if (requirement.mfaPurposes.length > 0 && declaresMfaType(bearerToken(req))) {
      req.principal = await this.mfaPrincipal(req, http.getResponse<Response>(), requirement.mfaPurposes);
      return true;
    }
    const principal = await this.tokens.access(req, http.getResponse<Response>());
    if (requirement.roles.some((role) => !principal.roles.includes(role))) throw new AuthException('FORBIDDEN');
    if (requirement.aal === 2 && principal.aal !== 'aal2') {
      throw new AuthException('STEP_UP_REQUIRED', { detail: 'Complete a second factor (POST /auth/step-up).' });
    }
    if (requirement.stepUp) {
      const rule = await this.policy.ruleFor(principal.user);
      if (!isFreshEnough(principal.authTime, this.clock.now(), rule.stepUpMaxAgeSeconds)) {
        throw new AuthException('STEP_UP_REQUIRED', { detail: 'Authenticate again with a second factor (POST /auth/step-up).' });
      }
    }
    req.principal = principal;
    return true;
  }

  /** The route decides which purposes it takes, and whether a completed attempt may still reach it. */
  private async mfaPrincipal(req: Request, res: Response, purposes: readonly MfaPurpose[], allowConsumed = false): Promise<MfaPrincipal> {
    const principal = await this.tokens.mfa(req, res);
    if (!purposes.includes(principal.purpose) || (principal.attemptConsumed && !allowConsumed)) {
      throw new AuthException('MFA_TOKEN_INVALID');
    }
    return principal;
  }
}

/**
 * Which strategy a token takes is read from its (unverified) header; that
 * strategy then verifies it in full, pinned to its type and audience, so a
 * forged header only leads to a refusal.
 */
function declaresMfaType(token: string | null): boolean {
  if (!token) return false;
  try {
    return decodeProtectedHeader(token).typ === 'mfa+jwt';
  } catch {
    return false;
  }
}
