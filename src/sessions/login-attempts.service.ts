import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { Database, type Sql } from '../database/database.js';
import type { UserProfile } from '../vocabulary/principal.js';
import type { MfaPurpose } from '../vocabulary/assurance.js';
import { LoginAttemptsRepository, type LoginAttemptRecord } from './login-attempts.repository.js';
import { isUuid } from '../common/validation/fields.js';

/**
 * The server-side half of mfaTokens. A token is usable while its attempt row
 * is unconsumed and unexpired; completing the second factor consumes it.
 */
@Injectable()
export class LoginAttemptsService {
  constructor(
    private readonly db: Database,
    private readonly attempts: LoginAttemptsRepository,
    private readonly clock: Clock,
  ) {}

  async start(input: { userId: string; purpose: MfaPurpose; sessionId: string | null; ttlSeconds: number }): Promise<LoginAttemptRecord> {
    const now = this.clock.now();
    const attempt = {
      id: randomUUID(),
      userId: input.userId,
      purpose: input.purpose,
      sessionId: input.sessionId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
      consumedAt: null,
    };
    await this.attempts.insert(this.db, attempt);
    return attempt;
  }

  /** The attempt, with its user, if it may still be used by this user (consumed ones only when asked for). */
  async findUsable(
    id: string,
    userId: string,
    options: { allowConsumed?: boolean } = {},
  ): Promise<{ attempt: LoginAttemptRecord; user: UserProfile } | null> {
    // Both come from a signed token, but are still parsed before they reach SQL.
    if (!isUuid(id) || !isUuid(userId)) return null;
    const found = await this.attempts.findWithUser(this.db, id, userId, this.clock.now());
    if (!found) return null;
    const { attempt } = found;
    if ((attempt.consumedAt && !options.allowConsumed) || attempt.expiresAt <= this.clock.now()) return null;
    // A step-up token lives only as long as the session it would upgrade (logout and revocation end it too).
    if (attempt.sessionId !== null && !found.sessionLive) return null;
    return { attempt, user: found.user };
  }

  /** Of concurrent upgrades with the same mfaToken exactly one gets `true`. */
  consume(id: string, sql: Sql = this.db): Promise<boolean> {
    return this.attempts.consume(sql, id, this.clock.now());
  }

  /** Ends every open login attempt of a user, so revoking sessions also ends the mfaTokens in flight. */
  endAllForUser(userId: string, sql: Sql = this.db, exceptAttemptId: string | null = null): Promise<void> {
    return this.attempts.endAllForUser(sql, userId, this.clock.now(), exceptAttemptId);
  }
}

