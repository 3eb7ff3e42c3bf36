import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AbuseMonitorService } from '../../../alerts/abuse-monitor.service.js';
import { AlertService } from '../../../alerts/alert.service.js';
import { AuditService } from '../../../audit/audit.service.js';
import { Clock } from '../../../common/clock.js';
import { SecretsService } from '../../../common/crypto/secrets.service.js';
import type { RequestMeta } from '../../../common/http/request-meta.js';
import { InjectConfig, InjectSmsConfig } from '../../../config/config.tokens.js';
import type { AppConfig, SmsConfig } from '../../../config/app-config.js';
import { Database, type Tx } from '../../../database/database.js';
import { PolicyService } from '../../../policy/policy.service.js';
import type { MfaPolicy } from '../../../policy/mfa-policy.js';
import { allowedByAnyRule } from '../../../policy/policy-rules.js';
import { isCountryAllowed, maskPhoneNumber } from '../../../sms/phone-number.js';
import { SendCapsService } from '../../../sms/send-caps.service.js';
import { SmsDeliveryService } from '../../../sms/sms-delivery.service.js';
import type { SmsMessage } from '../../../sms/sms-message.entity.js';
import { outboxInsert } from '../../../sms/sms-messages.repository.js';
import { buildOtpMessage, pickLocale } from '../../../sms/sms-message.js';
import { AccountLimitService } from '../../account-limit.service.js';
import { grandfatheredTypes } from '../../assurance.js';
import { reservationOf } from '../../attempt-budget.repository.js';
import type { ChallengeBinding } from '../../challenge-binding.js';
import type { Factor } from '../../factor.entity.js';
import { MfaException, retryAfter } from '../../mfa.exception.js';
import { MfaFactorsService } from '../../mfa-factors.service.js';
import { mfaVerificationsTotal } from '../../mfa-metrics.js';
import { generateOtpCode, isWellFormedCode } from './otp-code.js';
import type { ChallengePurpose, SmsChallenge } from './sms-challenge.entity.js';
import { SmsChallengesRepository } from './sms-challenges.repository.js';

const FOREIGN_KEY_VIOLATION = '23503';

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
  /** Whether the challenge's factor was still active when the attempt was counted. */
  factorActive: boolean;
  consume(tx: Tx): Promise<void>;
}

/**
 * SMS one-time-code challenges: creation, resend and verification, with
 * every rule of security.md "One-time codes" enforced here and in SQL.
 */
@Injectable()
export class SmsChallengeService implements OnModuleInit {
  constructor(
    private readonly db: Database,
    private readonly challenges: SmsChallengesRepository,
    @InjectConfig() private readonly config: AppConfig,
    @InjectSmsConfig() private readonly sms: SmsConfig,
    private readonly factors: MfaFactorsService,
    private readonly delivery: SmsDeliveryService,
    private readonly caps: SendCapsService,
    private readonly secrets: SecretsService,
    private readonly policy: PolicyService,
    private readonly accountLimit: AccountLimitService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly alerts: AlertService,
    private readonly monitor: AbuseMonitorService,
  ) {}

  onModuleInit(): void {
    this.delivery.useCodeReissuer((challengeId, tx) => this.reissue(challengeId, tx));
  }

  /** Creates a challenge for the factor's stored number and sends a fresh code to it. */
  async start(
    factor: Factor,
    purpose: ChallengePurpose,
    binding: ChallengeBinding,
    context: { meta: RequestMeta; userLocale: string | null; grandfathered?: boolean },
  ): Promise<SmsChallengeView> {
    const policy = await this.policy.current();
    // Whether this user's rule allows SMS was checked by the caller (mfa.service, factor-change-policy); this
    // service does not know the user's rule, only that no rule at all allowing SMS means no SMS is sent.
    if (!allowedByAnyRule(policy, 'sms') && !context.grandfathered) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
    // The destination is always the factor's stored, verified number: no request field can redirect a code.
    const e164 = this.factors.phoneOf(factor);
    this.assertCountryAllowed(policy, factor);

    const now = this.clock.now();
    const code = generateOtpCode(policy.sms.codeLength);
    const id = randomUUID();
    const challenge: SmsChallenge = {
      id,
      userId: binding.userId,
      factorId: factor.id,
      purpose,
      attemptId: binding.attemptId,
      sessionId: binding.sessionId,
      codeHash: this.secrets.hashCode(code, id),
      supersededCodeHash: null,
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
    };
    const message = this.prepare(challenge.id, factor, e164, code, policy, context);
    try {
      // The caps are reserved and, within them, the challenge and its SMS stored: one statement.
      const store = this.challenges.insertWithOutbox(challenge, (offset, when) => outboxInsert(message, offset, when));
      await this.reserveSend(policy, binding.userId, e164, store);
    } catch (error) {
      this.delivery.discard(message);
      // The factor is gone: a concurrent enrolment of the same user replaced this pending one.
      if ((error as { code?: unknown } | null)?.code === FOREIGN_KEY_VIOLATION) {
        throw new MfaException('CONFLICT', { detail: 'Another enrolment replaced this one. Use the newest code, or start again.' });
      }
      throw error;
    }
    await this.deliverOrFail(message);
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
    if (!allowedByAnyRule(policy, 'sms')) {
      // Still a grandfathered factor (assurance.ts) if the user has no allowed one.
      const active = (await this.factors.listActive(binding.userId)).map((f) => f.type);
      if (!grandfatheredTypes(policy, active).includes('sms')) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
    }
    const e164 = this.factors.phoneOf(factor);
    this.assertCountryAllowed(policy, factor);
    await this.reserveSend(policy, binding.userId, e164);

    const code = generateOtpCode(challenge.codeLength);
    const message = this.prepare(challenge.id, factor, e164, code, policy, context);
    let fresh: SmsChallenge;
    try {
      fresh = await this.db.transaction(async (tx) => {
        const updated = await this.challenges.replaceCode(tx, {
          id: challenge.id,
          codeHash: this.secrets.hashCode(code, challenge.id),
          now,
          expiresAt: new Date(now.getTime() + policy.sms.ttlSeconds * 1000),
          expectedSends: challenge.sends,
        });
        if (!updated) throw new MfaException('RESEND_TOO_SOON', { headers: retryAfter(challenge.resendCooldownSeconds) });
        const { text, values } = outboxInsert(message, 0);
        await tx.query(text, values);
        return updated;
      });
    } catch (error) {
      this.delivery.discard(message);
      throw error;
    }
    await this.deliverOrFail(message);
    return this.view(fresh, factor);
  }

  /**
   * Checks a code. The account's budget and the mfaToken's attempt cap are
   * reserved first, then the challenge's attempt is counted *before* the
   * comparison, each in one conditional statement, so concurrent guesses
   * can never exceed any of the caps (security.md).
   */
  async check(challengeId: string, code: string, binding: ChallengeBinding, meta: RequestMeta): Promise<VerifiedSmsCode> {
    if (!isUUID(challengeId)) throw new MfaException('NOT_FOUND');
    // The reservation and the challenge's count in one statement; the count happens only if the reservation was granted.
    const { reservation, counted } = await this.challenges.countAttempt(
      this.db,
      { id: challengeId, binding, now: this.clock.now() },
      this.accountLimit.reservationStatement(binding.userId, binding.attemptId, 5),
    );
    await this.accountLimit.assertGranted(reservationOf(reservation), binding.userId, meta);
    if (!counted) {
      const current = await this.challenges.findBound(this.db, challengeId, binding);
      // Another user's challenge, or one from another login attempt, does not exist for this caller.
      if (!current) throw new MfaException('NOT_FOUND');
      if (current.consumedAt) throw new MfaException('MFA_CHALLENGE_USED');
      if (current.attempts >= current.maxAttempts) throw new MfaException('MFA_CHALLENGE_LOCKED');
      throw new MfaException('MFA_CHALLENGE_EXPIRED');
    }
    const { challenge, factorActive } = counted;
    const correct = isWellFormedCode(code, challenge.codeLength) && this.secrets.verifyCode(code, challenge.id, challenge.codeHash);
    if (!correct && challenge.supersededCodeHash && this.secrets.verifyCode(code, challenge.id, challenge.supersededCodeHash)) {
      // The code of an SMS that Sesame replaced after a crash: the user did nothing wrong, so the attempt is given back.
      await this.challenges.refundAttempt(this.db, challenge.id);
      await this.audit.record({ type: 'mfa.code.failed', userId: binding.userId, meta, metadata: { factorType: 'sms', challengeId: challenge.id, superseded: true } });
      throw new MfaException('MFA_INVALID_CODE', {
        detail: 'That code was replaced by a newer one. Use the code in the latest message.',
        extensions: { attemptsRemaining: challenge.maxAttempts - challenge.attempts + 1 },
      });
    }
    if (!correct) {
      const attemptsRemaining = challenge.maxAttempts - challenge.attempts;
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
      factorActive,
      consume: async (tx) => {
        // Exactly one of many concurrent correct submissions gets the row. The same statement, the
        // transaction's last, ends the account's run of failures and writes the login's audit rows.
        const spent = await this.challenges.consume(tx, challenge.id, this.clock.now(), [
          this.accountLimit.successStatement(binding.userId, 'EXISTS (SELECT 1 FROM used)'),
          this.audit.carriedBy(tx, [{ type: 'mfa.code.verified', userId: binding.userId, meta, metadata: { factorType: 'sms', challengeId: challenge.id } }]),
        ]);
        if (!spent) throw new MfaException('MFA_CHALLENGE_USED');
        mfaVerificationsTotal.inc({ factor: 'sms', result: 'verified' });
      },
    };
  }

  /** Whether a challenge id is one of this user's, and whether it was used (for a completed login attempt). */
  async stateOf(challengeId: string, binding: ChallengeBinding): Promise<'none' | 'open' | 'consumed'> {
    if (!isUUID(challengeId)) return 'none';
    const challenge = await this.challenges.findBound(this.db, challengeId, binding);
    return !challenge ? 'none' : challenge.consumedAt ? 'consumed' : 'open';
  }

  /** Used by the outbox after a restart: the code in memory is gone, so the challenge gets a new one. */
  private async reissue(challengeId: string, tx: Tx): Promise<string | null> {
    const challenge = await this.challenges.lock(tx, challengeId);
    if (!challenge || challenge.consumedAt || challenge.expiresAt <= this.clock.now() || challenge.attempts >= challenge.maxAttempts) {
      return null;
    }
    const code = generateOtpCode(challenge.codeLength);
    await this.challenges.supersedeCode(tx, challengeId, this.secrets.hashCode(code, challengeId));
    return code;
  }

  private async findBound(challengeId: string, binding: ChallengeBinding): Promise<SmsChallenge> {
    if (!isUUID(challengeId)) throw new MfaException('NOT_FOUND');
    // Another user's challenge, or one from another login attempt, does not exist for this caller.
    const challenge = await this.challenges.findBound(this.db, challengeId, binding);
    if (!challenge) throw new MfaException('NOT_FOUND');
    return challenge;
  }

  private assertCountryAllowed(policy: MfaPolicy, factor: Factor): void {
    if (!isCountryAllowed(factor.phoneCountry ?? '', policy.sms.allowedCountries)) {
      throw new MfaException('SMS_DESTINATION_NOT_ALLOWED', { detail: 'The MFA policy does not allow SMS to this country.' });
    }
  }

  /**
   * The hourly caps, reserved atomically (security.md: SMS abuse); `then`
   * runs in the same statement and writes only within them
   * (SendCapsService.reserve).
   */
  private async reserveSend(
    policy: MfaPolicy,
    userId: string,
    e164: string,
    then?: (offset: number, when: string) => { text: string; values: unknown[] },
  ): Promise<void> {
    const reservation = await this.caps.reserve(
      {
        userId,
        destinationHash: this.factors.phoneHash(e164),
        perUser: policy.sms.maxSendsPerHourPerUser,
        perDestination: MAX_SENDS_PER_HOUR_PER_DESTINATION,
        global: this.sms.hourlyBudget,
      },
      then,
    );
    if (reservation.ok) return;
    if (reservation.refusedBy === 'global') {
      // The global circuit breaker: past the hourly budget no code is sent to anyone and operators
      // are alerted, so a pumping attack costs at most one hour's budget.
      await this.alerts.raise('sms_budget_exhausted', 'SMS hourly budget reached: codes are no longer sent', {
        sentLastHour: reservation.sentLastHour,
        budget: this.sms.hourlyBudget,
      });
      throw new MfaException('RATE_LIMITED', {
        detail: 'Codes by SMS are temporarily unavailable. Use another factor or try again later.',
        headers: retryAfter(600),
      });
    }
    throw new MfaException('RATE_LIMITED', {
      detail: 'Too many codes were sent recently. Try again later.',
      headers: retryAfter(3600),
    });
  }

  private async deliverOrFail(message: SmsMessage): Promise<void> {
    const outcome = await this.delivery.dispatch(message);
    // A transient failure is retried by the outbox worker; a permanent one is the user's to know now.
    if (outcome.status === 'failed') {
      throw new MfaException('SMS_DELIVERY_FAILED', {
        detail: 'The code could not be sent to this number. Check the number or use another factor.',
      });
    }
  }

  /** The code's SMS for the outbox, in the caller's language. */
  private prepare(
    challengeId: string,
    factor: Factor,
    e164: string,
    code: string,
    policy: MfaPolicy,
    context: { meta: RequestMeta; userLocale: string | null },
  ): SmsMessage {
    const locale = pickLocale(context.meta.acceptLanguage ?? undefined, context.userLocale);
    const text = buildOtpMessage({
      appName: this.config.appName,
      code,
      ttlMinutes: Math.max(1, Math.round(policy.sms.ttlSeconds / 60)),
      webOtpDomain: this.sms.webOtpDomain,
      locale,
    });
    return this.delivery.prepareOtp({
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
