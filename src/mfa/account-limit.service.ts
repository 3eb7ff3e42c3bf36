import { Injectable } from '@nestjs/common';
import { AbuseMonitorService } from '../alerts/abuse-monitor.service.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { Database, type Sql } from '../database/database.js';
import { AttemptBudgetRepository, clearCte, reservationCte, type BudgetLimits, type Reservation, type ReserveInput } from './attempt-budget.repository.js';
import { MfaException, retryAfter } from './mfa.exception.js';

/** NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account. */
export const MAX_FAILURES_PER_HOUR = 100;
/** At most this many second-factor attempts per mfaToken, across factors: a stolen password buys few guesses per login. */
export const MAX_ATTEMPTS_PER_LOGIN_ATTEMPT = 10;
/** From the 10th failure in the hour, each further guess waits 2^(n-10) s (capped at 15 min). */
const DELAY_AFTER = 10;
const MAX_DELAY_SECONDS = 900;
const WINDOW_SECONDS = 3600;

const LIMITS: BudgetLimits = {
  perLoginAttempt: MAX_ATTEMPTS_PER_LOGIN_ATTEMPT,
  perWindow: MAX_FAILURES_PER_HOUR,
  windowSeconds: WINDOW_SECONDS,
  delayAfter: DELAY_AFTER,
  maxDelaySeconds: MAX_DELAY_SECONDS,
};

/**
 * The account-level limit across all challenges and factors: creating new
 * challenges does not buy new guesses (security.md: one-time codes). Every
 * attempt reserves one unit of the budget *before* anything is compared, in
 * one conditional statement, so a burst of parallel guesses cannot all be
 * evaluated against a count read before the burst; a success clears it.
 */
@Injectable()
export class AccountLimitService {
  constructor(
    private readonly db: Database,
    private readonly budgets: AttemptBudgetRepository,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly monitor: AbuseMonitorService,
  ) {}

  /** Reserves one attempt for the account (and the mfaToken, if any), or throws 429 saying when to come back. */
  async reserve(userId: string, attemptId: string | null, meta: RequestMeta | null): Promise<void> {
    await this.assertGranted(await this.budgets.reserve(this.db, this.reservationInput(userId, attemptId)), userId, meta);
  }

  /** The reservation as CTEs, for a factor that counts its own attempt in the same statement. */
  reservationStatement(userId: string, attemptId: string | null, offset: number) {
    return reservationCte(this.reservationInput(userId, attemptId), offset);
  }

  /** Throws the refusal for a reservation that was not granted. */
  async assertGranted(reservation: Reservation, userId: string, meta: RequestMeta | null): Promise<void> {
    if (reservation.ok) return;
    if (reservation.refusedBy === 'login_attempt') {
      throw new MfaException('MFA_CHALLENGE_LOCKED', { detail: 'Too many attempts for this sign-in. Sign in again to get a new chance.' });
    }
    const state = await this.state(userId);
    if (state.locked) {
      await this.audit.record({ type: 'mfa.account.throttled', userId, meta, metadata: { failures: state.failures } });
      throw new MfaException('RATE_LIMITED', {
        detail: 'Too many failed attempts on this account. Try again later.',
        headers: retryAfter(state.retryAfterSeconds),
      });
    }
    throw new MfaException('RATE_LIMITED', {
      detail: 'Too many failed attempts. Wait before trying again.',
      headers: retryAfter(Math.max(1, state.retryAfterSeconds)),
    });
  }

  private reservationInput(userId: string, attemptId: string | null): ReserveInput {
    return { userId, attemptId, now: this.clock.now(), limits: LIMITS };
  }

  /** A second factor was completed: the run of failures ends (inside the upgrade's transaction). */
  succeeded(userId: string, sql: Sql): Promise<void> {
    return this.budgets.clear(sql, userId);
  }

  /** `succeeded` as a CTE of the statement that spends the proof, run when `condition` holds (attempt-budget.repository.ts). */
  successStatement(userId: string, condition: string) {
    return clearCte(userId, condition);
  }

  /** The failure was already reserved; this records which factor failed, for the figures and alerts. */
  async recordFailure(userId: string, factorType: string): Promise<void> {
    await this.db.query(`INSERT INTO mfa_failures (user_id, factor_type, created_at) VALUES ($1, $2, $3)`, [userId, factorType, this.clock.now()]);
    await this.monitor.afterFailedAttempt();
  }

  /** Admin support: the account may try again at once. */
  unlock(userId: string, sql: Sql = this.db): Promise<void> {
    return this.budgets.clear(sql, userId);
  }

  /** Failures in the current window, and how long the account must wait. */
  async state(userId: string): Promise<{ failures: number; locked: boolean; retryAfterSeconds: number }> {
    const now = this.clock.now().getTime();
    const row = await this.budgets.state(this.db, userId);
    if (!row || row.windowStartedAt.getTime() + WINDOW_SECONDS * 1000 <= now) return { failures: 0, locked: false, retryAfterSeconds: 0 };
    const { failures } = row;
    if (failures >= MAX_FAILURES_PER_HOUR) {
      return { failures, locked: true, retryAfterSeconds: (row.windowStartedAt.getTime() + WINDOW_SECONDS * 1000 - now) / 1000 };
    }
    if (failures >= DELAY_AFTER) {
      const delay = Math.min(MAX_DELAY_SECONDS, 2 ** (failures - DELAY_AFTER));
      return { failures, locked: false, retryAfterSeconds: Math.max(0, (row.lastFailureAt.getTime() + delay * 1000 - now) / 1000) };
    }
    return { failures, locked: false, retryAfterSeconds: 0 };
  }
}
