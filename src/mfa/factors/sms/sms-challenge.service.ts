import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AbuseMonitorService } from '../../../alerts/abuse-monitor.service.js';
import { AlertService } from '../../../alerts/alert.service.js';
import { AuditService } from '../../../audit/audit.service.js';
import { Clock } from '../../../common/clock.js';
import { SecretsService } from '../../../common/crypto/secrets.service.js';
import type { RequestMeta } from '../../../common/http/request-meta.js';
import { InjectConfig } from '../../../config/config.tokens.js';
import type { AppConfig } from '../../../config/app-config.js';
import { rowsOf } from '../../../database/query-result.js';
import { PolicyService } from '../../../policy/policy.service.js';
import type { MfaPolicy } from '../../../policy/mfa-policy.js';
import { isCountryAllowed, maskPhoneNumber } from '../../../sms/phone-number.js';
import { SmsDeliveryService } from '../../../sms/sms-delivery.service.js';
import { buildOtpMessage, pickLocale } from '../../../sms/sms-message.js';
import { AccountLimitService } from '../../account-limit.service.js';
import type { ChallengeBinding } from '../../challenge-binding.js';
import type { Factor } from '../../factor.entity.js';
import { MfaException, retryAfter } from '../../mfa.exception.js';
import { isUuid, MfaFactorsService } from '../../mfa-factors.service.js';
import { mfaVerificationsTotal } from '../../mfa-metrics.js';
import { generateOtpCode, isWellFormedCode } from './otp-code.js';
import { SmsChallenge, type ChallengePurpose } from './sms-challenge.entity.js';

/** At most this many codes an hour to one phone number, whoever asks (SMS pumping defence). */
export const MAX_SENDS_PER_HOUR_PER_DESTINATION = 10;

export interface SmsChallengeView {
  challengeId: string;
  factorId: string;
  type: 'sms';
  destination: string;
  expiresAt: string;
  resendAvailableAt: string;
  attemptsRemaining: number;
}

/** A correct code, not yet consumed: the caller consumes it in the transaction that upgrades the session. */
export interface VerifiedSmsCode {
  challenge: SmsChallenge;
  consume(manager: EntityManager): Promise<void>;
}

/**
 * SMS one-time-code challenges: creation, resend and verification, with
 * every rule of security.md "One-time codes" enforced here and in SQL.
 */
@Injectable()
export class SmsChallengeService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly factors: MfaFactorsService,
    private readonly delivery: SmsDeliveryService,
    private readonly secrets: SecretsService,
    private readonly policy: PolicyService,
    private readonly accountLimit: AccountLimitService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly alerts: AlertService,
    private readonly monitor: AbuseMonitorService,
  ) {}

  onModuleInit(): void {
    this.delivery.useCodeReissuer((challengeId, manager) => this.reissue(challengeId, manager));
  }

  /** Creates a challenge for the factor's stored number and sends a fresh code to it. */
  async start(
    factor: Factor,
    purpose: ChallengePurpose,
    binding: ChallengeBinding,
    context: { meta: RequestMeta; userLocale: string | null },
  ): Promise<SmsChallengeView> {
    const policy = await this.policy.current();
    if (!policy.allowedFactors.includes('sms')) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
    // The destination is always the factor's stored, verified number: no request field can redirect a code.
    const e164 = this.factors.phoneOf(factor);
    await this.assertMaySend(policy, factor, binding.userId, e164);

    const now = this.clock.now();
    const code = generateOtpCode(policy.sms.codeLength);
    const challenge = this.dataSource.manager.create(SmsChallenge, {
      id: randomUUID(),
      userId: binding.userId,
      factorId: factor.id,
      purpose,
      attemptId: binding.attemptId,
      sessionId: binding.sessionId,
      codeHash: '',
      codeLength: policy.sms.codeLength,
      expiresAt: new Date(now.getTime() + policy.sms.ttlSeconds * 1000),
      attempts: 0,
      maxAttempts: policy.sms.maxAttempts,
      sends: 1,
      maxResends: policy.sms.maxResends,
      resendCooldownSeconds: policy.sms.resendCooldownSeconds,
      lastSentAt: now,
      consumedAt: null,
      createdAt: now,
    });
    challenge.codeHash = this.secrets.hashCode(code, challenge.id);
    const message = await this.dataSource.transaction(async (manager) => {
      await manager.insert(SmsChallenge, challenge);
      return this.enqueue(manager, challenge.id, factor, e164, code, policy, context);
    });
    await this.deliverOrFail(message.id);
    return this.view(challenge, factor);
  }

  /** A new code for the same challenge: the old code stops working and the attempt count stays. */
  async resend(challengeId: string, binding: ChallengeBinding, context: { meta: RequestMeta; userLocale: string | null }) {
    const challenge = await this.findBound(challengeId, binding);
    const now = this.clock.now();
    if (challenge.consumedAt) throw new MfaException('MFA_CHALLENGE_USED');
    if (challenge.attempts >= challenge.maxAttempts) throw new MfaException('MFA_CHALLENGE_LOCKED');
    const readyAt = challenge.lastSentAt.getTime() + challenge.resendCooldownSeconds * 1000;
    if (readyAt > now.getTime()) {
      throw new MfaException('RESEND_TOO_SOON', { headers: retryAfter((readyAt - now.getTime()) / 1000) });
    }
    if (challenge.sends >= 1 + challenge.maxResends) {
      throw new MfaException('RATE_LIMITED', { detail: 'No more codes can be sent for this challenge. Start a new login.' });
    }
    const factor = await this.factors.findOwned(binding.userId, challenge.factorId);
    if (!factor) throw new MfaException('NOT_FOUND');
    const policy = await this.policy.current();
    if (!policy.allowedFactors.includes('sms')) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
    const e164 = this.factors.phoneOf(factor);
    await this.assertMaySend(policy, factor, binding.userId, e164);

    const code = generateOtpCode(challenge.codeLength);
    const message = await this.dataSource.transaction(async (manager) => {
      // Conditional on the state we checked, so two concurrent resends cannot both send.
      const updated = rowsOf(
        await manager.query(
          `UPDATE sms_challenges
              SET code_hash = $2, sends = sends + 1, last_sent_at = $3, expires_at = $4
            WHERE id = $1 AND consumed_at IS NULL AND sends = $5 AND attempts < max_attempts
           RETURNING id`,
          [challenge.id, this.secrets.hashCode(code, challenge.id), now, new Date(now.getTime() + policy.sms.ttlSeconds * 1000), challenge.sends],
        ),
      );
      if (updated.length === 0) {
        throw new MfaException('RESEND_TOO_SOON', { headers: retryAfter(challenge.resendCooldownSeconds) });
      }
      return this.enqueue(manager, challenge.id, factor, e164, code, policy, context);
    });
    await this.deliverOrFail(message.id);
    const fresh = await this.dataSource.manager.findOneByOrFail(SmsChallenge, { id: challenge.id });
    return this.view(fresh, factor);
  }

  /**
   * Checks a code. The attempt is counted *before* the comparison, in one
   * conditional UPDATE, so concurrent guesses can never exceed the cap
   * (security.md; the same order as Ory Kratos' code persister).
   */
  async check(challengeId: string, code: string, binding: ChallengeBinding, meta: RequestMeta): Promise<VerifiedSmsCode> {
    const challenge = await this.findBound(challengeId, binding);
    await this.accountLimit.assertMayAttempt(binding.userId, meta);
    const now = this.clock.now();
    const counted = rowsOf<{ attempts: number; max_attempts: number; code_hash: string }>(
      await this.dataSource.query(
        `UPDATE sms_challenges SET attempts = attempts + 1
          WHERE id = $1 AND consumed_at IS NULL AND attempts < max_attempts AND expires_at > $2
          RETURNING attempts, max_attempts, code_hash`,
        [challenge.id, now],
      ),
    );
    if (counted.length === 0) {
      const current = await this.dataSource.manager.findOneByOrFail(SmsChallenge, { id: challenge.id });
      if (current.consumedAt) throw new MfaException('MFA_CHALLENGE_USED');
      if (current.attempts >= current.maxAttempts) throw new MfaException('MFA_CHALLENGE_LOCKED');
      throw new MfaException('MFA_CHALLENGE_EXPIRED');
    }
    const { attempts, max_attempts: maxAttempts, code_hash: codeHash } = counted[0];
    const correct = isWellFormedCode(code, challenge.codeLength) && this.secrets.verifyCode(code, challenge.id, codeHash);
    if (!correct) {
      const attemptsRemaining = maxAttempts - attempts;
      await this.accountLimit.recordFailure(binding.userId, 'sms');
      await this.audit.record({
        type: 'mfa.code.failed',
        userId: binding.userId,
        meta,
        metadata: { factorType: 'sms', challengeId: challenge.id, attemptsRemaining },
      });
      if (attemptsRemaining === 0) {
        await this.audit.record({ type: 'mfa.challenge.locked', userId: binding.userId, meta, metadata: { challengeId: challenge.id } });
        await this.monitor.afterLockout();
      }
      mfaVerificationsTotal.inc({ factor: 'sms', result: 'invalid' });
      throw new MfaException('MFA_INVALID_CODE', { extensions: { attemptsRemaining } });
    }
    return {
      challenge,
      consume: async (manager) => {
        // Exactly one of many concurrent correct submissions gets the row.
        const consumed = rowsOf(
          await manager.query(
            `UPDATE sms_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING id`,
            [challenge.id, this.clock.now()],
          ),
        );
        if (consumed.length === 0) throw new MfaException('MFA_CHALLENGE_USED');
        await this.audit.record(
          { type: 'mfa.code.verified', userId: binding.userId, meta, metadata: { factorType: 'sms', challengeId: challenge.id } },
          manager,
        );
        mfaVerificationsTotal.inc({ factor: 'sms', result: 'verified' });
      },
    };
  }

  /** Used by the outbox after a restart: the code in memory is gone, so the challenge gets a new one. */
  private async reissue(challengeId: string, manager: EntityManager): Promise<string | null> {
    const challenge = await manager.findOne(SmsChallenge, { where: { id: challengeId }, lock: { mode: 'pessimistic_write' } });
    if (!challenge || challenge.consumedAt || challenge.expiresAt <= this.clock.now() || challenge.attempts >= challenge.maxAttempts) {
      return null;
    }
    const code = generateOtpCode(challenge.codeLength);
    await manager.update(SmsChallenge, { id: challengeId }, { codeHash: this.secrets.hashCode(code, challengeId) });
    return code;
  }

  private async findBound(challengeId: string, binding: ChallengeBinding): Promise<SmsChallenge> {
    if (!isUuid(challengeId)) throw new MfaException('NOT_FOUND');
    const challenge = await this.dataSource.manager.findOneBy(SmsChallenge, { id: challengeId, userId: binding.userId });
    // Another user's challenge, or one from another login attempt, does not exist for this caller.
    const bound =
      challenge &&
      ((binding.attemptId !== null && challenge.attemptId === binding.attemptId) ||
        (binding.sessionId !== null && challenge.sessionId === binding.sessionId));
    if (!challenge || !bound) throw new MfaException('NOT_FOUND');
    return challenge;
  }

  private async assertMaySend(policy: MfaPolicy, factor: Factor, userId: string, e164: string): Promise<void> {
    if (!isCountryAllowed(factor.phoneCountry ?? '', policy.sms.allowedCountries)) {
      throw new MfaException('SMS_DESTINATION_NOT_ALLOWED', { detail: 'The MFA policy does not allow SMS to this country.' });
    }
    const hourAgo = new Date(this.clock.now().getTime() - 3600_000);
    await this.assertWithinBudget(hourAgo);
    const [counts] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE user_id = $1)::int AS by_user,
              count(*) FILTER (WHERE destination_hash = $2)::int AS by_destination
         FROM sms_messages
        WHERE kind = 'otp' AND created_at > $3 AND (user_id = $1 OR destination_hash = $2)`,
      [userId, this.factors.phoneHash(e164), hourAgo],
    );
    if (counts.by_user >= policy.sms.maxSendsPerHourPerUser || counts.by_destination >= MAX_SENDS_PER_HOUR_PER_DESTINATION) {
      throw new MfaException('RATE_LIMITED', {
        detail: 'Too many codes were sent recently. Try again later.',
        headers: retryAfter(3600),
      });
    }
  }

  /**
   * The global circuit breaker (security.md: SMS abuse): past the hourly
   * budget no code is sent to anyone and operators are alerted, so a pumping
   * attack costs at most one hour's budget.
   */
  private async assertWithinBudget(hourAgo: Date): Promise<void> {
    const [{ sent }] = await this.dataSource.query(
      `SELECT count(*)::int AS sent FROM sms_messages WHERE kind = 'otp' AND created_at > $1`,
      [hourAgo],
    );
    if (sent < this.config.smsHourlyBudget) return;
    await this.alerts.raise('sms_budget_exhausted', 'SMS hourly budget reached: codes are no longer sent', {
      sentLastHour: sent,
      budget: this.config.smsHourlyBudget,
    });
    throw new MfaException('RATE_LIMITED', {
      detail: 'Codes by SMS are temporarily unavailable. Use another factor or try again later.',
      headers: retryAfter(600),
    });
  }

  private async deliverOrFail(messageId: string): Promise<void> {
    const outcome = await this.delivery.deliver(messageId);
    // A transient failure is retried by the outbox worker; a permanent one is the user's to know now.
    if (outcome.status === 'failed') {
      throw new MfaException('SMS_DELIVERY_FAILED', {
        detail: 'The code could not be sent to this number. Check the number or use another factor.',
      });
    }
  }

  /** Writes the code's SMS to the outbox, in the caller's language, inside the challenge's transaction. */
  private enqueue(
    manager: EntityManager,
    challengeId: string,
    factor: Factor,
    e164: string,
    code: string,
    policy: MfaPolicy,
    context: { meta: RequestMeta; userLocale: string | null },
  ) {
    const locale = pickLocale(context.meta.acceptLanguage ?? undefined, context.userLocale);
    const text = buildOtpMessage({
      appName: this.config.appName,
      code,
      ttlMinutes: Math.max(1, Math.round(policy.sms.ttlSeconds / 60)),
      webOtpDomain: this.config.sms.webOtpDomain,
      locale,
    });
    return this.delivery.enqueueOtp(manager, {
      userId: factor.userId,
      challengeId,
      destination: { e164, country: factor.phoneCountry ?? '', masked: factor.label },
      locale,
      text,
      code,
    });
  }

  private view(challenge: SmsChallenge, factor: Factor): SmsChallengeView {
    return {
      challengeId: challenge.id,
      factorId: factor.id,
      type: 'sms',
      destination: factor.label || maskPhoneNumber(''),
      expiresAt: challenge.expiresAt.toISOString(),
      resendAvailableAt: new Date(challenge.lastSentAt.getTime() + challenge.resendCooldownSeconds * 1000).toISOString(),
      attemptsRemaining: Math.max(0, challenge.maxAttempts - challenge.attempts),
    };
  }
}
