import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { GraceRecord } from './assurance.js';

/** The SQL of `mfa_enrollment_grace`. Every method takes the handle it runs on. */
@Injectable()
export class EnrollmentGraceRepository {
  /**
   * Counts one more login in the grace period (starting it at `now` on the
   * first) and returns the standing with this login included: counted before
   * it is compared, in one statement, so concurrent logins cannot all be the
   * last one allowed.
   */
  async recordLogin(sql: Sql, userId: string, now: Date): Promise<GraceRecord> {
    const [row] = await sql.query<{ started_at: Date; logins: number }>(
      `INSERT INTO mfa_enrollment_grace AS g (user_id, started_at, logins) VALUES ($1, $2, 1)
       ON CONFLICT (user_id) DO UPDATE SET logins = g.logins + 1
       RETURNING g.started_at, g.logins`,
      [userId, now],
    );
    return { startedAt: new Date(row.started_at), logins: row.logins };
  }

  async findMany(sql: Sql, userIds: readonly string[]): Promise<Map<string, GraceRecord & { noticeSentAt: Date | null }>> {
    const rows = await sql.query<{ user_id: string; started_at: Date; logins: number; notice_sent_at: Date | null }>(
      `SELECT user_id, started_at, logins, notice_sent_at FROM mfa_enrollment_grace WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    return new Map(rows.map((r) => [r.user_id, { startedAt: new Date(r.started_at), logins: r.logins, noticeSentAt: r.notice_sent_at }]));
  }

  /** Users whose deadline notice has not gone out, `limit` at a time in id order after `afterId`. */
  async pendingNotices(sql: Sql, afterId: string | null, limit: number): Promise<string[]> {
    const rows = await sql.query<{ user_id: string }>(
      `SELECT user_id FROM mfa_enrollment_grace WHERE notice_sent_at IS NULL AND ($1::uuid IS NULL OR user_id > $1) ORDER BY user_id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => r.user_id);
  }

  /** Claims the notice for this user: true for exactly one caller, however many run at once (sent once). */
  async claimNotice(sql: Sql, userId: string, now: Date): Promise<boolean> {
    const rows = await sql.query(`UPDATE mfa_enrollment_grace SET notice_sent_at = $2 WHERE user_id = $1 AND notice_sent_at IS NULL RETURNING user_id`, [
      userId,
      now,
    ]);
    return rows.length === 1;
  }
}
