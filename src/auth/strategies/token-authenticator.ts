import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import { AuthException } from '../auth.exception.js';
import type { AccessPrincipal, MfaPrincipal } from '../../vocabulary/principal.js';
import { JwtStrategy } from './jwt.strategy.js';
import { MfaJwtStrategy } from './mfa-jwt.strategy.js';

/**
 * Runs the `jwt` and `mfa-jwt` strategies for the global AuthGuard. Each
 * request gets its own `Object.create(strategy)`, as passport's registry would
 * give it; the strategies are this application's own instances, not looked up
 * by name in passport's process-wide registry, because several applications
 * can share a process (a second instance in the tests, a resource server).
 */
@Injectable()
export class TokenAuthenticator {
  constructor(
    private readonly jwt: JwtStrategy,
    private readonly mfaJwt: MfaJwtStrategy,
  ) {}

  /** A valid access token of a live session, or UNAUTHENTICATED. */
  access(req: Request, res: Response): Promise<AccessPrincipal> {
    return run(this.jwt, req, res, 'UNAUTHENTICATED');
  }

  /** A valid mfaToken of a usable login attempt, or MFA_TOKEN_INVALID. */
  mfa(req: Request, res: Response): Promise<MfaPrincipal> {
    return run(this.mfaJwt, req, res, 'MFA_TOKEN_INVALID');
  }
}

function run<P>(strategy: passport.Strategy, req: Request, res: Response, refusal: 'UNAUTHENTICATED' | 'MFA_TOKEN_INVALID'): Promise<P> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as passport.Strategy;
    passport.authenticate(attempt, { session: false }, (err: unknown, principal: P | false) => {
      // A refusal of the token is the caller's refusal; anything else (a database outage) passes through.
      if (err) reject(err as Error);
      else if (!principal) reject(new AuthException(refusal));
      else resolve(principal);
    })(req, res, reject);
  });
}
