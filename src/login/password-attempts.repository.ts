import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';

/**
 * The SQL of `password_attempt_budgets`. An attempt is reserved before the
 * password is compared, with one conditional upsert: while the delay since
 * the last failure has not passed, the row is left alone and the attempt is
 * refused, so parallel guesses cannot all get through on an old count.
 */
@Injectable()
export class PasswordAttemptsRepository {
  /** Returns the failures counted with this attempt, or null when it must wait (and `retryAt`). */
  async reserve(
    sql: Sql,
    input: { emailHash: string; now: Date; delayAfter: number; maxDelaySeconds: number },
  ): Promise<{ granted: true } | { granted: false; retryAt: Date }> {
    const [row] = await sql.query<{ failures: number }>(
      `INSERT INTO password_attempt_budgets AS b (email_hash, failures, last_failure_at) VALUES ($1, 1, $2)
       ON CONFLICT (email_hash) DO UPDATE SET failures = b.failures + 1, last_failure_at = $2
       WHERE b.failures < $3 OR b.last_failure_at + make_interval(secs => least($4::float8, power(2, b.failures - $3))) <= $2
       RETURNING failures`,
      [input.emailHash, input.now, input.delayAfter, input.maxDelaySeconds],
    );
    if (row) return { granted: true };
    const [current] = await sql.query<{ retry_at: Date }>(
      `SELECT last_failure_at + make_interval(secs => least($2::float8, power(2, failures - $3))) AS retry_at
         FROM password_attempt_budgets WHERE email_hash = $1`,
      [input.emailHash, input.maxDelaySeconds, input.delayAfter],
    );
    return { granted: false, retryAt: current?.retry_at ?? input.now };
  }

  /** The right password ends the run of failures. */
  async clear(sql: Sql, emailHash: string): Promise<void> {
    await sql.query(`DELETE FROM password_attempt_budgets WHERE email_hash = $1`, [emailHash]);
  }
}
