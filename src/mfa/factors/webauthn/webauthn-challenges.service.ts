import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock } from '../../../common/clock.js';
import { rowsOf } from '../../../database/query-result.js';
import type { ChallengeBinding } from '../../challenge-binding.js';
import { CEREMONY_TIMEOUT_SECONDS } from './webauthn-relying-party.service.js';
import { WebauthnChallenge, type WebauthnChallengePurpose } from './webauthn-challenge.entity.js';
import { isUuid } from '../../../common/validation/fields.js';

/** The result of trying to spend a challenge: it was ours to spend, or why not. */
export type ConsumeResult =
  | { status: 'consumed'; challenge: WebauthnChallenge }
  | { status: 'used' }
  | { status: 'expired' }
  | { status: 'missing' };

/**
 * Persistence of WebAuthn challenges. Each is spent by one conditional
 * `UPDATE … RETURNING`, so of any number of concurrent responses exactly one
 * gets it (WebAuthn L3 §13.4.3: a challenge is used once).
 */
@Injectable()
export class WebauthnChallengesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async create(input: {
    purpose: WebauthnChallengePurpose;
    challenge: string;
    factorId: string | null;
    binding: ChallengeBinding;
  }): Promise<WebauthnChallenge> {
    const now = this.clock.now();
    const row = this.dataSource.manager.create(WebauthnChallenge, {
      id: randomUUID(),
      userId: input.binding.userId,
      purpose: input.purpose,
      challenge: input.challenge,
      factorId: input.factorId,
      attemptId: input.binding.attemptId,
      sessionId: input.binding.sessionId,
      expiresAt: new Date(now.getTime() + CEREMONY_TIMEOUT_SECONDS * 1000),
      consumedAt: null,
      createdAt: now,
    });
    await this.dataSource.manager.insert(WebauthnChallenge, row);
    return row;
  }

  /** For the verify route's dispatch: whether an id is one of this user's authentication challenges, and whether it was spent. */
  async state(challengeId: string, userId: string): Promise<'none' | 'open' | 'consumed'> {
    if (!isUuid(challengeId)) return 'none';
    const row = await this.dataSource.manager.findOneBy(WebauthnChallenge, { id: challengeId, userId, purpose: 'authenticate' });
    return !row ? 'none' : row.consumedAt ? 'consumed' : 'open';
  }

  /** An authentication challenge of this caller's login attempt or session; null for anyone else's. */
  async findBound(challengeId: string, binding: ChallengeBinding): Promise<WebauthnChallenge | null> {
    if (!isUuid(challengeId)) return null;
    const row = await this.dataSource.manager.findOneBy(WebauthnChallenge, { id: challengeId, userId: binding.userId, purpose: 'authenticate' });
    return row && isBoundTo(row, binding) ? row : null;
  }

  /** Spends an authentication challenge found with `findBound`. */
  async consume(challenge: WebauthnChallenge): Promise<ConsumeResult> {
    const now = this.clock.now();
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(
        `UPDATE webauthn_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING id`,
        [challenge.id, now],
      ),
    );
    if (rows.length === 1) return { status: 'consumed', challenge: { ...challenge, consumedAt: now } };
    return this.whyNot(challenge.id);
  }

  /**
   * Spends the registration challenge a response claims to answer. The
   * response carries no challenge id, so the stored challenge is found by its
   * value, and only among those issued to this caller.
   */
  async consumeRegistration(binding: ChallengeBinding, value: string): Promise<ConsumeResult> {
    const now = this.clock.now();
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(
        `UPDATE webauthn_challenges SET consumed_at = $5
          WHERE user_id = $1 AND purpose = 'register' AND challenge = $2 AND (attempt_id = $3 OR session_id = $4)
            AND consumed_at IS NULL AND expires_at > $5
          RETURNING id`,
        [binding.userId, value, binding.attemptId, binding.sessionId, now],
      ),
    );
    if (rows.length > 0) {
      return { status: 'consumed', challenge: await this.dataSource.manager.findOneByOrFail(WebauthnChallenge, { id: rows[0].id }) };
    }
    const previous = await this.dataSource.manager.findOne(WebauthnChallenge, {
      where: { userId: binding.userId, purpose: 'register', challenge: value },
      order: { createdAt: 'DESC' },
    });
    if (!previous || !isBoundTo(previous, binding)) return { status: 'missing' };
    return this.whyNot(previous.id);
  }

  private async whyNot(id: string): Promise<ConsumeResult> {
    const current = await this.dataSource.manager.findOneBy(WebauthnChallenge, { id });
    if (!current) return { status: 'missing' };
    return current.consumedAt ? { status: 'used' } : { status: 'expired' };
  }
}

/** A challenge belongs to the login attempt (mfaToken) or the session it was issued to, and to no other. */
function isBoundTo(challenge: WebauthnChallenge, binding: ChallengeBinding): boolean {
  return (
    (binding.attemptId !== null && challenge.attemptId === binding.attemptId) ||
    (binding.sessionId !== null && challenge.sessionId === binding.sessionId)
  );
}
