import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { EmailVerificationPurpose } from './email-verification-token.entity.js';

/** The SQL of `email_verification_tokens`. */
@Injectable()
export class EmailVerificationTokensRepository {
  async insert(sql: Sql, t: { id: string; userId: string; email: string; purpose: EmailVerificationPurpose; tokenHash: string; now: Date; expiresAt: Date }): Promise<void> {
    await sql.query(
      `INSERT INTO email_verification_tokens (id, user_id, email, purpose, token_hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`,
      [t.id, t.userId, t.email, t.purpose, t.tokenHash, t.now, t.expiresAt],
    );
  }

  /** Spends a token (one conditional UPDATE: of concurrent submissions exactly one gets it); null when unknown, used or expired. */
  async consume(sql: Sql, tokenHash: string, now: Date): Promise<{ userId: string; email: string; purpose: EmailVerificationPurpose } | null> {
    const [row] = await sql.query<{ user_id: string; email: string; purpose: EmailVerificationPurpose }>(
      `UPDATE email_verification_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id, email, purpose`,
      [tokenHash, now],
    );
    return row ? { userId: row.user_id, email: row.email, purpose: row.purpose } : null;
  }
}
