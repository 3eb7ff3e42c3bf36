import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import { CommonException } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { forecastLogin, hasGrace, loginNotice, withGrace, type LoginNotice } from '../mfa/assurance.js';
import { EnrollmentGraceService } from '../mfa/enrollment-grace.service.js';
import { FactorDirectory, type FactorSummary } from '../mfa/factor-directory.js';
import { PolicyService } from '../policy/policy.service.js';
import { effectiveRuleFor } from '../policy/policy-rules.js';
import type { UserProfile } from '../vocabulary/principal.js';
import { LoginAttemptsService } from '../sessions/login-attempts.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TokenService, type TokensResponse } from '../tokens/token.service.js';
import { normaliseEmail, UsersService } from '../users/users.service.js';
import type { MfaPurpose } from '../vocabulary/assurance.js';
import type { FactorType } from '../vocabulary/factor-type.js';
import { LoginException } from './login.exception.js';
import { PasswordAttemptsRepository } from './password-attempts.repository.js';

export type LoginResponse =
  | (TokensResponse & { mfaEnrollmentDueAt?: string; mfaEnrollmentLoginsRemaining?: number })
  | { status: 'mfa_required'; mfaToken: string; expiresIn: number; factors: FactorSummary[]; notice?: LoginNotice; allowedFactors?: FactorType[] }
  | { status: 'mfa_enrollment_required'; mfaToken: string; expiresIn: number; allowedFactors: FactorType[] };

/** The login flow: password, then (when the assurance function says so) an mfaToken for the second factor, or tokens. */
/**
 * NIST SP 800-63B §5.2.2: from the 5th consecutive failed password for an
 * address, each attempt waits 2^(n-5) s after the last, up to 15 minutes, so
 * guessing is slowed to a crawl while the right password still works once
 * the delay has passed (no permanent lockout for an attacker to cause).
 */
export const PASSWORD_DELAY_AFTER = 5;
export const PASSWORD_MAX_DELAY_SECONDS = 900;

@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly attempts: LoginAttemptsService,
    private readonly tokens: TokenService,
    private readonly factors: FactorDirectory,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly db: Database,
    private readonly secrets: SecretsService,
    private readonly passwordAttempts: PasswordAttemptsRepository,
    private readonly grace: EnrollmentGraceService,
  ) {}

  async login(email: string, password: string, meta: RequestMeta): Promise<LoginResponse> {
    // The account's password budget first, keyed by the address whether or not an account has it,
    // so the answer and its timing are the same for both (security.md: no account oracle).
    const emailHash = this.secrets.lookupHash(normaliseEmail(email), 'login-email');
    const reservation = await this.passwordAttempts.reserve(this.db, {
      emailHash,
      now: this.clock.now(),
      delayAfter: PASSWORD_DELAY_AFTER,
      maxDelaySeconds: PASSWORD_MAX_DELAY_SECONDS,
    });
    if (!reservation.granted) {
      await this.audit.record({ type: 'login.failed', userId: null, meta, metadata: { reason: 'throttled' } });
      throw new CommonException('RATE_LIMITED', {
        detail: 'Too many failed sign-ins for this account. Wait before trying again.',
        headers: { 'Retry-After': String(Math.max(1, Math.ceil((reservation.retryAt.getTime() - this.clock.now().getTime()) / 1000))) },
      });
    }
    const user = await this.users.authenticate(email, password);
    if (!user) {
      const known = await this.users.findByEmail(email);
      await this.audit.record({ type: 'login.failed', userId: known?.id ?? null, meta, metadata: { reason: 'credentials' } });
      throw new LoginException('INVALID_CREDENTIALS');
    }
    await this.passwordAttempts.clear(this.db, emailHash);
    const policy = await this.policy.current();
    const factors = await this.factors.listActive(user.id);
    let forecast = forecastLogin(policy, user, factors.map((f) => f.type));
    // Only a user asked to enrol under a rule with a grace period costs this statement.
    if (hasGrace(forecast)) forecast = withGrace(forecast, await this.grace.recordLogin(user.id), this.clock.now());
    const { outcome } = forecast;
    switch (outcome.status) {
      case 'authenticated': {
        const { session, refreshToken } = await this.sessions.create({ userId: user.id, amr: ['pwd'], authTime: this.clock.now(), meta });
        const due = outcome.enrollmentDue;
        await this.audit.record({
          type: 'login.succeeded',
          userId: user.id,
          meta,
          metadata: { aal: session.aal, amr: session.amr, ...(due ? { enrollmentGrace: true } : {}) },
        });
        const tokens = await this.tokens.tokensFor(user, session, refreshToken);
        if (!due) return tokens;
        // MFA is required of this user, who is still in the grace period to enrol a factor.
        return {
          ...tokens,
          ...(due.dueAt ? { mfaEnrollmentDueAt: due.dueAt.toISOString() } : {}),
          ...(due.loginsRemaining !== null ? { mfaEnrollmentLoginsRemaining: due.loginsRemaining } : {}),
        };
      }
      case 'mfa_required': {
        const mfaToken = await this.startAttempt(user.id, 'login', null, policy.mfaTokenTtlSeconds);
        return {
          status: 'mfa_required',
          mfaToken,
          expiresIn: policy.mfaTokenTtlSeconds,
          factors: factors.filter((f) => outcome.factorTypes.includes(f.type)),
          // The factors listed are no longer allowed, or fewer than the rule asks for: the user is told what to enrol.
          ...loginNotice(forecast),
        };
      }
      case 'mfa_enrollment_required': {
        const mfaToken = await this.startAttempt(user.id, 'enroll', null, policy.mfaTokenTtlSeconds);
        return { status: 'mfa_enrollment_required', mfaToken, expiresIn: policy.mfaTokenTtlSeconds, allowedFactors: outcome.allowedFactors };
      }
    }
  }

  /** Step-up: an mfaToken bound to the caller's own session, which a verified factor then upgrades. */
  async startStepUp(user: UserProfile, sessionId: string): Promise<{ mfaToken: string; expiresIn: number; factors: FactorSummary[] }> {
    const userId = user.id;
    const policy = await this.policy.current();
    const rule = effectiveRuleFor(policy, user);
    const factors = (await this.factors.listActive(userId)).filter((f) => rule.allowedFactors.includes(f.type));
    const mfaToken = await this.startAttempt(userId, 'step_up', sessionId, policy.mfaTokenTtlSeconds);
    return { mfaToken, expiresIn: policy.mfaTokenTtlSeconds, factors };
  }

  private async startAttempt(userId: string, purpose: MfaPurpose, sessionId: string | null, ttlSeconds: number) {
    const attempt = await this.attempts.start({ userId, purpose, sessionId, ttlSeconds });
    return this.tokens.signMfa({ sub: userId, jti: attempt.id, purpose, sid: sessionId }, ttlSeconds);
  }
}
