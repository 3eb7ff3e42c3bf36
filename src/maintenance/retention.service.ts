import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { affectedOf } from '../database/query-result.js';

const DAY_MS = 24 * 3600_000;

/**
 * What is kept, and for how long. Short-lived rows go once they can no longer
 * matter; the audit log and the SMS outbox (the delivery figures) are kept.
 */
export const RETENTION = [
  // One-time state: useless a day after it expired.
  { table: 'login_attempts', column: 'expires_at', keepMs: DAY_MS },
  { table: 'sms_challenges', column: 'expires_at', keepMs: DAY_MS },
  { table: 'webauthn_challenges', column: 'expires_at', keepMs: DAY_MS },
  { table: 'email_challenges', column: 'expires_at', keepMs: DAY_MS },
  { table: 'password_reset_tokens', column: 'expires_at', keepMs: DAY_MS },
  { table: 'email_verification_tokens', column: 'expires_at', keepMs: DAY_MS },
  // Mail that carried a one-time link or code (and the suppressed rows of unknown addresses); notices are kept.
  { table: 'email_messages', column: 'expires_at', keepMs: DAY_MS },
  // The account-level limit looks back one hour.
  { table: 'mfa_failures', column: 'created_at', keepMs: DAY_MS },
  // Send-cap windows are an hour long; the one before the current is still read.
  { table: 'rate_counters', column: 'window_start', keepMs: DAY_MS },
  { table: 'mfa_attempt_budgets', column: 'window_started_at', keepMs: DAY_MS },
  { table: 'password_attempt_budgets', column: 'last_failure_at', keepMs: DAY_MS },
  // Sessions (and their refresh tokens, by cascade) a month after they ended.
  { table: 'sessions', column: 'expires_at', keepMs: 30 * DAY_MS },
  { table: 'sessions', column: 'revoked_at', keepMs: 30 * DAY_MS },
] as const;

/** Hourly clean-up of expired one-time state, so tables stay small and indexes stay hot. */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Every instance may prune, the deletes are idempotent. Tests call pruneOnce() themselves:
   * the first hourly run comes long after any test has closed its app.
   */
  @Interval('retention', 3600_000)
  async pruneOnSchedule(): Promise<void> {
    await this.pruneOnce().catch((e: unknown) => this.logger.warn({ err: e }, 'prune failed'));
  }

  async pruneOnce(): Promise<Record<string, number>> {
    const now = this.clock.now().getTime();
    const removed: Record<string, number> = {};
    for (const rule of RETENTION) {
      const result = await this.dataSource.query(`DELETE FROM "${rule.table}" WHERE "${rule.column}" < $1`, [new Date(now - rule.keepMs)]);
      removed[rule.table] = (removed[rule.table] ?? 0) + affectedOf(result);
    }
    this.logger.log({ removed }, 'expired rows pruned');
    return removed;
  }
}
