import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import type { MfaPurpose } from '../guards/access.decorators.js';
import { rowsOf } from '../../database/query-result.js';
import { LoginAttempt } from './login-attempt.entity.js';

/**
 * The server-side half of mfaTokens. A token is usable while its attempt row
 * is unconsumed and unexpired; completing the second factor consumes it.
 */
@Injectable()
export class LoginAttemptsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async start(input: { userId: string; purpose: MfaPurpose; sessionId: string | null; ttlSeconds: number }): Promise<LoginAttempt> {
    const now = this.clock.now();
    const attempt = this.dataSource.manager.create(LoginAttempt, {
      id: randomUUID(),
      userId: input.userId,
      purpose: input.purpose,
      sessionId: input.sessionId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
      consumedAt: null,
    });
    await this.dataSource.manager.insert(LoginAttempt, attempt);
    return attempt;
  }

  /** The attempt if it may still be used by this user (consumed ones only when asked for). */
  async findUsable(id: string, userId: string, options: { allowConsumed?: boolean } = {}): Promise<LoginAttempt | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const attempt = await this.dataSource.manager.findOneBy(LoginAttempt, { id, userId });
    if (!attempt || (attempt.consumedAt && !options.allowConsumed) || attempt.expiresAt <= this.clock.now()) return null;
    return attempt;
  }

  /**
   * Consumes the attempt in one conditional UPDATE: of concurrent upgrades
   * with the same mfaToken exactly one gets `true`.
   */
  async consume(id: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const now = this.clock.now();
    const rows: unknown[] = await manager.query(
      `UPDATE login_attempts SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING id`,
      [id, now],
    );
    return rowsOf(rows).length === 1;
  }
}
