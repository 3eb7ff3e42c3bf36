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

export interface ReserveInput {
  userId: string;
  attemptId: string | null;
  now: Date;
  limits: BudgetLimits;
}

export interface ReservationRow {
  token_ok: boolean;
  account_ok: boolean;
}

/** The columns a statement built on `reservationCte` selects to report the reservation. */
export const RESERVATION_COLUMNS = `($token_attempt::uuid IS NULL OR EXISTS (SELECT 1 FROM token)) AS token_ok, EXISTS (SELECT 1 FROM account) AS account_ok`;

export function reservationOf(row: ReservationRow | undefined): Reservation {
  if (!row?.token_ok) return { ok: false, refusedBy: 'login_attempt' };
  if (!row.account_ok) return { ok: false, refusedBy: 'account' };
  return { ok: true };
}

/**
 * The reservation as the first CTEs (`token`, `account`) of a statement,
 * with placeholders from `offset + 1`: a caller that must count its own
 * attempt too (an SMS challenge) does both in one round trip, conditional on
 * `EXISTS (SELECT 1 FROM account)`. `$token_attempt` in RESERVATION_COLUMNS
 * stands for the attempt id's placeholder and is replaced here.
 */
export function reservationCte(input: ReserveInput, offset: number): { text: string; values: unknown[]; columns: string } {
  const p = (n: number) => `$${offset + n}`;
  const { limits } = input;
  const windowStart = `${p(3)}::timestamptz - make_interval(secs => ${p(6)})`;
  return {
    text: `token AS (
         UPDATE login_attempts SET verify_attempts = verify_attempts + 1
          WHERE ${p(2)}::uuid IS NOT NULL AND id = ${p(2)} AND user_id = ${p(1)} AND verify_attempts < ${p(4)}
         RETURNING id
       ), account AS (
         INSERT INTO mfa_attempt_budgets AS b (user_id, failures, window_started_at, last_failure_at)
         SELECT ${p(1)}, 1, ${p(3)}, ${p(3)} WHERE ${p(2)}::uuid IS NULL OR EXISTS (SELECT 1 FROM token)
         ON CONFLICT (user_id) DO UPDATE SET
           failures = CASE WHEN b.window_started_at <= ${windowStart} THEN 1 ELSE b.failures + 1 END,
           window_started_at = CASE WHEN b.window_started_at <= ${windowStart} THEN ${p(3)} ELSE b.window_started_at END,
           last_failure_at = ${p(3)}
         WHERE b.window_started_at <= ${windowStart}
            OR (b.failures < ${p(5)} AND (b.failures < ${p(7)}
                OR b.last_failure_at + make_interval(secs => least(${p(8)}::float8, power(2, b.failures - ${p(7)}))) <= ${p(3)}))
         RETURNING failures
       )`,
    values: [input.userId, input.attemptId, input.now, limits.perLoginAttempt, limits.perWindow, limits.windowSeconds, limits.delayAfter, limits.maxDelaySeconds],
    columns: RESERVATION_COLUMNS.replace('$token_attempt', p(2)),
  };
}

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
  async reserve(sql: Sql, input: ReserveInput): Promise<Reservation> {
    const cte = reservationCte(input, 0);
    const [row] = await sql.query<ReservationRow>(`WITH ${cte.text} SELECT ${cte.columns}`, cte.values);
    return reservationOf(row);
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

/**
 * `clear` as the CTE `cleared` of a caller's statement, run only when
 * `condition` (SQL over the caller's own CTEs) holds: the spend of a proof and
 * the end of the account's run of failures in one round trip. Its one
 * parameter is numbered after the statement's first `offset`.
 */
export function clearCte(userId: string, condition: string): (offset: number) => { text: string; values: unknown[] } {
  return (offset) => ({ text: `cleared AS (DELETE FROM mfa_attempt_budgets WHERE user_id = $${offset + 1} AND ${condition})`, values: [userId] });
}
