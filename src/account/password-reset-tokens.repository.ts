import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';

/** The SQL of `password_reset_tokens`. */
@Injectable()
export class PasswordResetTokensRepository {
  /**
   * The CTEs that store a token for `email`: `reset_target`, one row whose
   * `user_id` is the account's when there is one and `when` holds, else null,
   * and `reset_token`, the token row, written either way (with a null user it
   * can never be spent). Placeholders start at `offset + 1`.
   */
  insertForEmail(offset: number, when: string, input: { id: string; email: string; tokenHash: string; now: Date; expiresAt: Date }): { text: string; values: unknown[] } {
    const p = (i: number) => `$${offset + i}`;
    return {
      text: `reset_account AS (SELECT id, locale FROM users WHERE email = ${p(1)}::text),
       reset_target AS (
         SELECT CASE WHEN ${when} THEN (SELECT id FROM reset_account) END AS user_id, (SELECT locale FROM reset_account) AS locale),
       reset_token AS (
         INSERT INTO password_reset_tokens (id, user_id, token_hash, created_at, expires_at, used_at)
         SELECT ${p(2)}::uuid, user_id, ${p(3)}::text, ${p(4)}::timestamptz, ${p(5)}::timestamptz, NULL FROM reset_target RETURNING user_id)`,
      values: [input.email, input.id, input.tokenHash, input.now, input.expiresAt],
    };
  }

  /**
   * Spends a token: one conditional UPDATE, so of any number of concurrent
   * submissions exactly one gets the user id. Null when the token is unknown,
   * used or expired.
   */
  async consume(sql: Sql, tokenHash: string, now: Date): Promise<string | null> {
    const [row] = await sql.query<{ user_id: string }>(
      `UPDATE password_reset_tokens SET used_at = $2 WHERE token_hash = $1 AND user_id IS NOT NULL AND used_at IS NULL AND expires_at > $2 RETURNING user_id`,
      [tokenHash, now],
    );
    return row?.user_id ?? null;
  }

  /** Ends the user's other outstanding tokens (a reset or a password change makes them moot). */
  async endAllForUser(sql: Sql, userId: string, now: Date): Promise<void> {
    await sql.query(`UPDATE password_reset_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, [userId, now]);
  }
}
