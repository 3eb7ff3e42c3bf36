import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AbuseMonitorService } from '../../../alerts/abuse-monitor.service.js';
import { AuditService } from '../../../audit/audit.service.js';
import { Clock } from '../../../common/clock.js';
import { SecretsService } from '../../../common/crypto/secrets.service.js';
import type { RequestMeta } from '../../../common/http/request-meta.js';
import { RateCountersRepository } from '../../../common/rate-counters.repository.js';
import { Database, type Tx } from '../../../database/database.js';
import { EmailDeliveryService, maskEmail } from '../../../email/email-delivery.service.js';
import { emailOutboxInsert } from '../../../email/email-messages.repository.js';
import { PolicyService } from '../../../policy/policy.service.js';
import { AccountLimitService } from '../../account-limit.service.js';
import { reservationOf } from '../../attempt-budget.repository.js';
import type { ChallengeBinding } from '../../challenge-binding.js';
import type { Factor } from '../../factor.entity.js';
import { MfaException, retryAfter } from '../../mfa.exception.js';
import { isUuid } from '../../../common/validation/fields.js';
import { mfaVerificationsTotal } from '../../mfa-metrics.js';
import { generateOtpCode, isWellFormedCode } from '../sms/otp-code.js';
import type { ChallengePurpose } from '../sms/sms-challenge.entity.js';
import type { EmailChallenge } from './email-challenge.entity.js';
import { EmailChallengesRepository } from './email-challenges.repository.js';

const HOUR_MS = 3600_000;
const BUCKET_MS = 60_000;

export interface EmailChallengeView {
  challengeId: string;
  factorId: string;
  type: 'email';
  destination: string;
  expiresAt: string;
  attemptsRemaining: number;
}

export interface VerifiedEmailCode {
  challenge: EmailChallenge;
  factorActive: boolean;
  consume(tx: Tx): Promise<void>;
}

/**
 * Emailed one-time codes, under the rules of security.md "One-time codes"
 * and the SMS policy's numbers (length, lifetime, attempts, hourly sends per
 * user): a CSPRNG code, kept only as a keyed hash bound to its challenge,
 * counted before each comparison and spent by one conditional UPDATE. The
 * destination is always the account's own address.
 */
@Injectable()
export class EmailOtpChallengeService {
  constructor(
    private readonly db: Database,
    private readonly challenges: EmailChallengesRepository,
    private readonly counters: RateCountersRepository,
    private readonly delivery: EmailDeliveryService,
    private readonly secrets: SecretsService,
    private readonly policy: PolicyService,
    private readonly accountLimit: AccountLimitService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly monitor: AbuseMonitorService,
  ) {}

  async start(
    factor: Factor,
    purpose: ChallengePurpose,
    binding: ChallengeBinding,
    context: { meta: RequestMeta; user: { email: string; locale: string | null }; grandfathered?: boolean },
  ): Promise<EmailChallengeView> {
    const policy = await this.policy.current();
    if (!policy.allowedFactors.includes('email') && !context.grandfathered) throw new MfaException('MFA_FACTOR_NOT_ALLOWED');
    const now = this.clock.now();
    const code = generateOtpCode(policy.sms.codeLength);
    const challenge: EmailChallenge = {
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
      consumedAt: null,
      createdAt: now,
    };
    challenge.codeHash = this.secrets.hashCode(code, challenge.id);
    const message = this.delivery.prepare({
      userId: binding.userId,
      to: context.user.email,
      locale: context.user.locale ?? context.meta.acceptLanguage,
      content: { kind: 'email_otp', minutes: Math.max(1, Math.round(policy.sms.ttlSeconds / 60)) },
      secret: code,
      expiresAt: challenge.expiresAt,
    });
    const bucket = Math.floor(now.getTime() / BUCKET_MS) * BUCKET_MS;
    const cap = { key: `email-otp:user:${binding.userId}`, bucket: new Date(bucket), since: new Date(bucket - HOUR_MS + BUCKET_MS) };
    // The hourly cap reserved and, within it, the challenge and its email stored: one statement.
    const { within } = await this.counters.hitAndRead(
      this.db,
      [cap],
      [{ ...cap, group: 0 }],
      [policy.sms.maxSendsPerHourPerUser],
      this.challenges.insertWithOutbox(challenge, (offset, from) => emailOutboxInsert(message, offset, from)),
    );
    if (!within) {
      await this.counters.giveBack(this.db, [cap]);
      throw new MfaException('RATE_LIMITED', { detail: 'Too many codes were sent recently. Try again later.', headers: retryAfter(3600) });
    }
    await this.delivery.dispatch(message);
    return this.view(challenge, factor);
  }

  /** Checks a code: the account's budget reserved and the challenge's attempt counted before the comparison, in one statement. */
  async check(challengeId: string, code: string, binding: ChallengeBinding, meta: RequestMeta): Promise<VerifiedEmailCode> {
    if (!isUuid(challengeId)) throw new MfaException('NOT_FOUND');
    const { reservation, counted } = await this.challenges.countAttempt(
      this.db,
      { id: challengeId, binding, now: this.clock.now() },
      this.accountLimit.reservationStatement(binding.userId, binding.attemptId, 5),
    );
    await this.accountLimit.assertGranted(reservationOf(reservation), binding.userId, meta);
    if (!counted) {
      const current = await this.challenges.findBound(this.db, challengeId, binding);
      if (!current) throw new MfaException('NOT_FOUND');
      if (current.consumedAt) throw new MfaException('MFA_CHALLENGE_USED');
      if (current.attempts >= current.maxAttempts) throw new MfaException('MFA_CHALLENGE_LOCKED');
      throw new MfaException('MFA_CHALLENGE_EXPIRED');
    }
    const { challenge, factorActive } = counted;
    const correct = isWellFormedCode(code, challenge.codeLength) && this.secrets.verifyCode(code, challenge.id, challenge.codeHash);
    if (!correct) {
      const attemptsRemaining = challenge.maxAttempts - challenge.attempts;
      await this.accountLimit.recordFailure(binding.userId, 'email');
      await this.audit.record({ type: 'mfa.code.failed', userId: binding.userId, meta, metadata: { factorType: 'email', challengeId: challenge.id, attemptsRemaining } });
      if (attemptsRemaining === 0) {
        await this.audit.record({ type: 'mfa.challenge.locked', userId: binding.userId, meta, metadata: { challengeId: challenge.id } });
        await this.monitor.afterLockout();
      }
      mfaVerificationsTotal.inc({ factor: 'email', result: 'invalid' });
      throw new MfaException('MFA_INVALID_CODE', { extensions: { attemptsRemaining } });
    }
    return {
      challenge,
      factorActive,
      consume: async (tx) => {
        const spent = await this.challenges.consume(tx, challenge.id, this.clock.now(), [
          this.accountLimit.successStatement(binding.userId, 'EXISTS (SELECT 1 FROM used)'),
          this.audit.carriedBy(tx, [{ type: 'mfa.code.verified', userId: binding.userId, meta, metadata: { factorType: 'email', challengeId: challenge.id } }]),
        ]);
        if (!spent) throw new MfaException('MFA_CHALLENGE_USED');
        mfaVerificationsTotal.inc({ factor: 'email', result: 'verified' });
      },
    };
  }

  async stateOf(challengeId: string, binding: ChallengeBinding): Promise<'none' | 'open' | 'consumed'> {
    if (!isUuid(challengeId)) return 'none';
    const challenge = await this.challenges.findBound(this.db, challengeId, binding);
    return !challenge ? 'none' : challenge.consumedAt ? 'consumed' : 'open';
  }

  private view(challenge: EmailChallenge, factor: Factor): EmailChallengeView {
    return {
      challengeId: challenge.id,
      factorId: factor.id,
      type: 'email',
      destination: factor.label || maskEmail(''),
      expiresAt: challenge.expiresAt.toISOString(),
      attemptsRemaining: Math.max(0, challenge.maxAttempts - challenge.attempts),
    };
  }
}
