import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { Amr } from '../vocabulary/assurance.js';
import { USER_PROFILE_COLUMNS, userProfileOf, type UserProfileRow } from '../users/user-profile.js';
import { type UserProfile } from '../vocabulary/principal.js';
import type { Session } from './session.entity.js';

const COLUMNS = `id, user_id, aal, amr, auth_time, ip, user_agent, created_at, last_used_at, expires_at, revoked_at, revoked_reason`;

interface Row {
  id: string;
  user_id: string;
  aal: Session['aal'];
  amr: Amr[];
  auth_time: Date;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

function toSession(r: Row): Session {
  return {
    id: r.id,
    userId: r.user_id,
    aal: r.aal,
    amr: r.amr,
    authTime: r.auth_time,
    ip: r.ip,
    userAgent: r.user_agent,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedReason: r.revoked_reason,
  };
}

/** A new session's columns $1–$10 (of COLUMNS; the revocation columns start NULL). */
function valuesOf(session: Session): unknown[] {
  return [
    session.id,
    session.userId,
    session.aal,
    session.amr,
    session.authTime,
    session.ip,
    session.userAgent,
    session.createdAt,
    session.lastUsedAt,
    session.expiresAt,
  ];
}

/** The SQL of `sessions` and of `refresh_tokens`, which live and die with them. */
@Injectable()
export class SessionsRepository {
  /** A new session and its first refresh token, in one statement. */
  async insertWithRefreshToken(sql: Sql, session: Session, refreshTokenHash: string): Promise<void> {
    await sql.query(
      `WITH s AS (
         INSERT INTO sessions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL) RETURNING id
       )
       INSERT INTO refresh_tokens (token_hash, session_id, created_at, rotated_at) SELECT $11, id, $8, NULL FROM s`,
      [...valuesOf(session), refreshTokenHash],
    );
  }

  /**
   * Ends a login attempt in the session it creates: the attempt is consumed
   * (one conditional UPDATE, so of concurrent upgrades of one mfaToken exactly
   * one gets it) and the session and its first refresh token are inserted
   * only for that one, all in one statement. False when the attempt was
   * already used or expired.
   */
  async insertForAttempt(sql: Sql, attemptId: string, session: Session, refreshTokenHash: string): Promise<boolean> {
    const rows = await sql.query(
      `WITH attempt AS (
         UPDATE login_attempts SET consumed_at = $8 WHERE id = $12 AND user_id = $2 AND consumed_at IS NULL AND expires_at > $8 RETURNING id
       ), s AS (
         INSERT INTO sessions (${COLUMNS})
         SELECT $1::uuid, $2::uuid, $3::text, $4::text[], $5::timestamptz, $6::text, $7::text, $8::timestamptz, $9::timestamptz, $10::timestamptz, NULL, NULL
           FROM attempt
         RETURNING id
       )
       INSERT INTO refresh_tokens (token_hash, session_id, created_at, rotated_at) SELECT $11::text, id, $8::timestamptz, NULL FROM s RETURNING session_id`,
      [...valuesOf(session), refreshTokenHash, attemptId],
    );
    return rows.length === 1;
  }

  /** The unrevoked, unexpired session with its user, in one round trip (the guard's one read per request). */
  async findActiveWithUser(sql: Sql, id: string, now: Date): Promise<{ session: Session; user: UserProfile } | null> {
    const [row] = await sql.query<Row & UserProfileRow>(
      `SELECT ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, ${USER_PROFILE_COLUMNS}
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2`,
      [id, now],
    );
    return row ? { session: toSession(row), user: userProfileOf(row) } : null;
  }

  async find(sql: Sql, id: string): Promise<Session | null> {
    const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM sessions WHERE id = $1`, [id]);
    return row ? toSession(row) : null;
  }

  async listActiveForUser(sql: Sql, userId: string): Promise<Session[]> {
    const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC`, [userId]);
    return rows.map(toSession);
  }

  /** Records completed methods on a session (step-up); returns the session as it is now, or null if it is gone. */
  async addMethods(sql: Sql, id: string, amr: Amr[], aal: Session['aal'], authTime: Date): Promise<Session | null> {
    const [row] = await sql.query<Row>(`UPDATE sessions SET amr = $2, aal = $3, auth_time = $4 WHERE id = $1 RETURNING ${COLUMNS}`, [
      id,
      amr,
      aal,
      authTime,
    ]);
    return row ? toSession(row) : null;
  }

  async touch(sql: Sql, id: string, now: Date): Promise<void> {
    await sql.query(`UPDATE sessions SET last_used_at = $2 WHERE id = $1`, [id, now]);
  }

  async revoke(sql: Sql, id: string, reason: string, now: Date): Promise<void> {
    await sql.query(`UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL`, [id, now, reason]);
  }

  async revokeAllForUser(sql: Sql, userId: string, reason: string, now: Date, exceptSessionId: string | null): Promise<number> {
    const rows = await sql.query(
      `UPDATE sessions SET revoked_at = $2, revoked_reason = $3
        WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid) RETURNING id`,
      [userId, now, reason, exceptSessionId],
    );
    return rows.length;
  }

  async insertRefreshToken(sql: Sql, sessionId: string, tokenHash: string, now: Date): Promise<void> {
    await sql.query(`INSERT INTO refresh_tokens (token_hash, session_id, created_at, rotated_at) VALUES ($1, $2, $3, NULL)`, [tokenHash, sessionId, now]);
  }

  /** Rotates a refresh token: one conditional UPDATE, so of concurrent uses exactly one gets the session id. */
  async rotateRefreshToken(sql: Sql, tokenHash: string, now: Date): Promise<string | null> {
    const [row] = await sql.query<{ session_id: string }>(
      `UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at IS NULL RETURNING session_id`,
      [tokenHash, now],
    );
    return row?.session_id ?? null;
  }

  async sessionOfRefreshToken(sql: Sql, tokenHash: string): Promise<string | null> {
    const [row] = await sql.query<{ session_id: string }>(`SELECT session_id FROM refresh_tokens WHERE token_hash = $1`, [tokenHash]);
    return row?.session_id ?? null;
  }

  async rotateAllRefreshTokens(sql: Sql, sessionId: string, now: Date): Promise<void> {
    await sql.query(`UPDATE refresh_tokens SET rotated_at = $2 WHERE session_id = $1 AND rotated_at IS NULL`, [sessionId, now]);
  }
}
