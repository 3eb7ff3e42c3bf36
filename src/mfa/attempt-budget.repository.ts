import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';

/** The limits a reservation is checked against (account-limit.service.ts says why these numbers). */
export interface BudgetLimits {
  /** Second-factor attempts one mfaToken (login attempt) may make, across factors. */
  perLoginAttempt: number;
  /** Failures an account may accumulate in its window before it is stopped. */
  perWindow: number;
  windowSeconds: number;
  /** From this many failures on, each attempt waits 2^(failures - delayAfter) seconds after the last. */
  delayAfter: number;
  maxDelaySeconds: number;
}

export type Reservation = { ok: true } | { ok: false; refusedBy: 'login_attempt' | 'account' };

export interface BudgetState {
  failures: number;
  windowStartedAt: Date;
  lastFailureAt: Date;
}

/**
 * The SQL of `mfa_attempt_budgets`, and of the per-token counter on
 * `login_attempts` it is reserved together with. One statement reserves
 * both: the token's row first, then (only if that passed) the account's, so
 * the two are always locked in the same order and a refused token never
 * costs the account anything.
 */
@Injectable()
export class AttemptBudgetRepository {
  async reserve(sql: Sql, input: { userId: string; attemptId: string | null; now: Date; limits: BudgetLimits }): Promise<Reservation> {
    const { limits } = input;
    const [row] = await sql.query<{ token_ok: boolean; account_ok: boolean }>(
      `WITH token AS (
         UPDATE login_attempts SET verify_attempts = verify_attempts + 1
          WHERE $2::uuid IS NOT NULL AND id = $2 AND user_id = $1 AND verify_attempts < $4
         RETURNING id
       ), account AS (
         INSERT INTO mfa_attempt_budgets AS b (user_id, failures, window_started_at, last_failure_at)
         SELECT $1, 1, $3, $3 WHERE $2::uuid IS NULL OR EXISTS (SELECT 1 FROM token)
         ON CONFLICT (user_id) DO UPDATE SET
           failures = CASE WHEN b.window_started_at <= $3::timestamptz - make_interval(secs => $6) THEN 1 ELSE b.failures + 1 END,
           window_started_at = CASE WHEN b.window_started_at <= $3::timestamptz - make_interval(secs => $6) THEN $3 ELSE b.window_started_at END,
           last_failure_at = $3
         WHERE b.window_started_at <= $3::timestamptz - make_interval(secs => $6)
            OR (b.failures < $5 AND (b.failures < $7
                OR b.last_failure_at + make_interval(secs => least($8::float8, power(2, b.failures - $7))) <= $3))
         RETURNING failures
       )
       SELECT ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM token)) AS token_ok, EXISTS (SELECT 1 FROM account) AS account_ok`,
      [input.userId, input.attemptId, input.now, limits.perLoginAttempt, limits.perWindow, limits.windowSeconds, limits.delayAfter, limits.maxDelaySeconds],
    );
    if (!row?.token_ok) return { ok: false, refusedBy: 'login_attempt' };
    if (!row.account_ok) return { ok: false, refusedBy: 'account' };
    return { ok: true };
  }

  /** A completed second factor ends the run of failures (NIST counts consecutive failures). */
  async clear(sql: Sql, userId: string): Promise<void> {
    await sql.query(`DELETE FROM mfa_attempt_budgets WHERE user_id = $1`, [userId]);
  }

  async state(sql: Sql, userId: string): Promise<BudgetState | null> {
    const [row] = await sql.query<{ failures: number; window_started_at: Date; last_failure_at: Date }>(
      `SELECT failures, window_started_at, last_failure_at FROM mfa_attempt_budgets WHERE user_id = $1`,
      [userId],
    );
    return row ? { failures: row.failures, windowStartedAt: row.window_started_at, lastFailureAt: row.last_failure_at } : null;
  }
}
