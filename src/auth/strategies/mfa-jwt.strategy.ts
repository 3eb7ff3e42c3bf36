import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import type { MfaPrincipal } from '../../vocabulary/principal.js';
import { LoginAttemptsService } from '../../sessions/login-attempts.service.js';
import { MFA_TOKEN } from '../../tokens/token.service.js';
import { VerificationKeys } from '../../tokens/verification-keys.js';
import { TokenStrategy } from './token.strategy.js';

/**
 * MfaTokens (`typ: mfa+jwt`, audience `sesame:mfa`): usable while their login
 * attempt row is. A consumed attempt still yields a principal, marked as
 * such; the guard lets it through only where the route allows it.
 */
@Injectable()
export class MfaJwtStrategy extends TokenStrategy<MfaPrincipal>('mfa-jwt') {
  constructor(
    keys: VerificationKeys,
    clock: Clock,
    private readonly attempts: LoginAttemptsService,
  ) {
    super(keys, clock, MFA_TOKEN);
  }

  protected async principalFor(payload: Record<string, unknown>): Promise<MfaPrincipal | null> {
    const { sub, jti, purpose, sid } = payload;
    if (
      typeof sub !== 'string' ||
      typeof jti !== 'string' ||
      (purpose !== 'login' && purpose !== 'enroll' && purpose !== 'step_up') ||
      (sid !== undefined && typeof sid !== 'string')
    ) {
      return null;
    }
    const found = await this.attempts.findUsable(jti, sub, { allowConsumed: true });
    if (!found || found.attempt.purpose !== purpose) return null;
    const { attempt, user } = found;
    return {
      kind: 'mfa',
      userId: sub,
      attemptId: jti,
      purpose,
      sessionId: attempt.sessionId,
      attemptConsumed: attempt.consumedAt !== null,
      user,
    };
  }
}
