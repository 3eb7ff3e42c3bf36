import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import { USER_PROFILE_COLUMNS, userProfileOf, type UserProfileRow } from '../users/user-profile.js';
import { type UserProfile } from '../vocabulary/principal.js';
import type { MfaPurpose } from '../vocabulary/assurance.js';

export interface LoginAttemptRecord {
  id: string;
  userId: string;
  purpose: MfaPurpose;
  sessionId: string | null;
  expiresAt: Date;
  consumedAt: Date | null;
}

/** The SQL of `login_attempts`, the server-side half of mfaTokens. */
@Injectable()
export class LoginAttemptsRepository {
  async insert(sql: Sql, attempt: LoginAttemptRecord & { createdAt: Date }): Promise<void> {
    await sql.query(
      `INSERT INTO login_attempts (id, user_id, purpose, session_id, created_at, expires_at, consumed_at, verify_attempts)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, 0)`,
      [attempt.id, attempt.userId, attempt.purpose, attempt.sessionId, attempt.createdAt, attempt.expiresAt],
    );
  }

  /** The attempt with its user, in one round trip (the user is loaded once per request). */
  /**
   * The attempt with its user, in one round trip (the user is loaded once per
   * request), and whether the session it belongs to (step-up) is still live.
   */
  async findWithUser(
    sql: Sql,
    id: string,
    userId: string,
    now: Date,
  ): Promise<{ attempt: LoginAttemptRecord; user: UserProfile; sessionLive: boolean } | null> {
    const [row] = await sql.query<AttemptRow & UserProfileRow & { session_live: boolean | null }>(
      `SELECT a.id, a.purpose, a.session_id, a.expires_at, a.consumed_at, ${USER_PROFILE_COLUMNS},
              (s.id IS NOT NULL AND s.revoked_at IS NULL AND s.expires_at > $3) AS session_live
         FROM login_attempts a JOIN users u ON u.id = a.user_id
         LEFT JOIN sessions s ON s.id = a.session_id
        WHERE a.id = $1 AND a.user_id = $2`,
      [id, userId, now],
    );
    if (!row) return null;
    return {
      attempt: { id: row.id, userId, purpose: row.purpose, sessionId: row.session_id, expiresAt: row.expires_at, consumedAt: row.consumed_at },
      user: userProfileOf(row),
      sessionLive: row.session_live === true,
    };
  }

  async verifyAttempts(sql: Sql, id: string): Promise<{ verifyAttempts: number; consumed: boolean } | null> {
    const [row] = await sql.query<{ verify_attempts: number; consumed: boolean }>(
      `SELECT verify_attempts, consumed_at IS NOT NULL AS consumed FROM login_attempts WHERE id = $1`,
      [id],
    );
    return row ? { verifyAttempts: row.verify_attempts, consumed: row.consumed } : null;
  }

  /** One conditional UPDATE: of concurrent upgrades with the same mfaToken exactly one gets `true`. */
  async consume(sql: Sql, id: string, now: Date): Promise<boolean> {
    const rows = await sql.query(
      `UPDATE login_attempts SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING id`,
      [id, now],
    );
    return rows.length === 1;
  }

  /** Ends every open login attempt of a user but the one given (revocation reaches mfaTokens too). */
  async endAllForUser(sql: Sql, userId: string, now: Date, exceptAttemptId: string | null = null): Promise<void> {
    await sql.query(
      `UPDATE login_attempts SET expires_at = $2
        WHERE user_id = $1 AND consumed_at IS NULL AND expires_at > $2 AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [userId, now, exceptAttemptId],
    );
  }
}

interface AttemptRow {
  id: string;
  purpose: MfaPurpose;
  session_id: string | null;
  expires_at: Date;
  consumed_at: Date | null;
}
