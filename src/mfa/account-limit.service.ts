import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AbuseMonitorService } from '../alerts/abuse-monitor.service.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { MfaException, retryAfter } from './mfa.exception.js';
import { MfaFailure } from './mfa-failure.entity.js';

/** NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account. */
export const MAX_FAILURES_PER_HOUR = 100;
/** From the 10th failure in the hour, each further guess waits 2^(n-10) s (capped at 15 min). */
const DELAY_AFTER = 10;
const MAX_DELAY_SECONDS = 900;

/**
 * The account-level limit across all challenges and factors: creating new
 * challenges does not buy new guesses (security.md: one-time codes).
 */
@Injectable()
export class AccountLimitService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly monitor: AbuseMonitorService,
  ) {}

  /** Throws 429 when the account may not try another second factor now. */
  async assertMayAttempt(userId: string, meta: RequestMeta | null): Promise<void> {
    const state = await this.state(userId);
    if (state.locked) {
      await this.audit.record({ type: 'mfa.account.throttled', userId, meta, metadata: { failures: state.failures } });
      throw new MfaException('RATE_LIMITED', {
        detail: 'Too many failed attempts on this account. Try again later.',
        headers: retryAfter(state.retryAfterSeconds),
      });
    }
    if (state.retryAfterSeconds > 0) {
      throw new MfaException('RATE_LIMITED', {
        detail: 'Too many failed attempts. Wait before trying again.',
        headers: retryAfter(state.retryAfterSeconds),
      });
    }
  }

  async recordFailure(userId: string, factorType: string): Promise<void> {
    await this.dataSource.manager.insert(MfaFailure, { userId, factorType, createdAt: this.clock.now() });
    await this.monitor.afterFailedAttempt();
  }

  /** Failures in the last hour (since the last admin unlock), and how long the account must wait. */
  async state(userId: string): Promise<{ failures: number; locked: boolean; retryAfterSeconds: number }> {
    const now = this.clock.now();
    const hourAgo = new Date(now.getTime() - 3600_000);
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS failures, max(f.created_at) AS last, min(f.created_at) AS first
         FROM mfa_failures f JOIN users u ON u.id = f.user_id
        WHERE f.user_id = $1 AND f.created_at > $2 AND (u.mfa_unlocked_at IS NULL OR f.created_at > u.mfa_unlocked_at)`,
      [userId, hourAgo],
    );
    const failures: number = row.failures;
    if (failures >= MAX_FAILURES_PER_HOUR) {
      // The oldest counted failure leaving the window frees the account.
      const first = new Date(row.first);
      return { failures, locked: true, retryAfterSeconds: (first.getTime() + 3600_000 - now.getTime()) / 1000 };
    }
    if (failures >= DELAY_AFTER) {
      const delay = Math.min(MAX_DELAY_SECONDS, 2 ** (failures - DELAY_AFTER));
      const readyAt = new Date(row.last).getTime() + delay * 1000;
      return { failures, locked: false, retryAfterSeconds: Math.max(0, (readyAt - now.getTime()) / 1000) };
    }
    return { failures, locked: false, retryAfterSeconds: 0 };
  }
}
