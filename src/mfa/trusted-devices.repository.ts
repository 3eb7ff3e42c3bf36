import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { Amr } from '../vocabulary/assurance.js';

export interface TrustedDeviceView {
  id: string;
  label: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
}

interface Row {
  id: string;
  label: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
}

const toView = (r: Row): TrustedDeviceView => ({ id: r.id, label: r.label, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at });

/** The SQL of `trusted_devices`. Every method takes the handle it runs on. */
@Injectable()
export class TrustedDevicesRepository {
  async insert(
    sql: Sql,
    row: { id: string; userId: string; tokenHash: string; label: string; amr: Amr[]; createdAt: Date; expiresAt: Date },
  ): Promise<void> {
    await sql.query(
      `INSERT INTO trusted_devices (id, user_id, token_hash, label, amr, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.userId, row.tokenHash, row.label, row.amr, row.createdAt, row.expiresAt],
    );
  }

  /**
   * The device, if this token is this user's, live, and no older than the
   * rule's maximum age now (a shortened maximum ends older trusts). One
   * statement that also records the use, so concurrent logins with one token
   * each see the same row and none can make more of it.
   */
  async use(sql: Sql, userId: string, tokenHash: string, now: Date, notBefore: Date): Promise<{ id: string; amr: Amr[]; createdAt: Date } | null> {
    const [row] = await sql.query<{ id: string; amr: Amr[]; created_at: Date }>(
      `UPDATE trusted_devices SET last_used_at = $3
        WHERE user_id = $1 AND token_hash = $2 AND revoked_at IS NULL AND expires_at > $3 AND created_at >= $4
        RETURNING id, amr, created_at`,
      [userId, tokenHash, now, notBefore],
    );
    return row ? { id: row.id, amr: row.amr, createdAt: new Date(row.created_at) } : null;
  }

  async listLive(sql: Sql, userId: string, now: Date, notBefore: Date): Promise<TrustedDeviceView[]> {
    const rows = await sql.query<Row>(
      `SELECT id, label, created_at, expires_at, last_used_at FROM trusted_devices
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND created_at >= $3
        ORDER BY created_at DESC, id`,
      [userId, now, notBefore],
    );
    return rows.map(toView);
  }

  async revoke(sql: Sql, userId: string, id: string, reason: string, now: Date): Promise<boolean> {
    const rows = await sql.query(
      `UPDATE trusted_devices SET revoked_at = $4, revoked_reason = $3 WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId, id, reason, now],
    );
    return rows.length === 1;
  }

  async revokeAllForUser(sql: Sql, userId: string, reason: string, now: Date): Promise<number> {
    const rows = await sql.query(`UPDATE trusted_devices SET revoked_at = $3, revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [
      userId,
      reason,
      now,
    ]);
    return rows.length;
  }
}
