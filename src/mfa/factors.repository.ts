import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { Factor } from './factor.entity.js';

const COLUMNS = `id, user_id, type, status, label, phone_ciphertext, phone_hash, phone_country, created_at, activated_at, last_used_at`;

interface FactorRow {
  id: string;
  user_id: string;
  type: Factor['type'];
  status: Factor['status'];
  label: string;
  phone_ciphertext: string | null;
  phone_hash: string | null;
  phone_country: string | null;
  created_at: Date;
  activated_at: Date | null;
  last_used_at: Date | null;
}

function toFactor(row: FactorRow): Factor {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.type,
    status: row.status,
    label: row.label,
    phoneCiphertext: row.phone_ciphertext,
    phoneHash: row.phone_hash,
    phoneCountry: row.phone_country,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    lastUsedAt: row.last_used_at,
  };
}

/** The SQL of `mfa_factors`. Every method takes the handle it runs on: the pool or an open transaction. */
@Injectable()
export class FactorsRepository {
  async findOwned(sql: Sql, userId: string, factorId: string): Promise<Factor | null> {
    const [row] = await sql.query<FactorRow>(`SELECT ${COLUMNS} FROM mfa_factors WHERE id = $1 AND user_id = $2`, [factorId, userId]);
    return row ? toFactor(row) : null;
  }

  async listForUser(sql: Sql, userId: string, options: { activeOnly?: boolean; lock?: boolean; type?: Factor['type'] } = {}): Promise<Factor[]> {
    const rows = await sql.query<FactorRow>(
      `SELECT ${COLUMNS} FROM mfa_factors
        WHERE user_id = $1 AND ($2::boolean IS NOT TRUE OR status = 'active') AND ($3::text IS NULL OR type = $3)
        ORDER BY created_at, id ${options.lock ? 'FOR UPDATE' : ''}`,
      [userId, options.activeOnly ?? false, options.type ?? null],
    );
    return rows.map(toFactor);
  }

  /** The types of the active factors of each of these users, one entry per factor (users without any are absent). */
  async activeTypesOf(sql: Sql, userIds: readonly string[]): Promise<Map<string, Factor['type'][]>> {
    const rows = await sql.query<{ user_id: string; types: Factor['type'][] }>(
      `SELECT user_id, array_agg(type ORDER BY type) AS types FROM mfa_factors
        WHERE user_id = ANY($1::uuid[]) AND status = 'active' GROUP BY user_id`,
      [userIds],
    );
    return new Map(rows.map((row) => [row.user_id, row.types]));
  }

  async countActive(sql: Sql, userId: string): Promise<number> {
    const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = $1 AND status = 'active'`, [userId]);
    return row?.n ?? 0;
  }

  async insert(sql: Sql, factor: Factor): Promise<void> {
    await sql.query(
      `INSERT INTO mfa_factors (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        factor.id,
        factor.userId,
        factor.type,
        factor.status,
        factor.label,
        factor.phoneCiphertext,
        factor.phoneHash,
        factor.phoneCountry,
        factor.createdAt,
        factor.activatedAt,
        factor.lastUsedAt,
      ],
    );
  }

  /** Pending → active, once. Returns false when it was not pending (already active, or removed). */
  async activate(sql: Sql, factorId: string, now: Date): Promise<boolean> {
    const rows = await sql.query(`UPDATE mfa_factors SET status = 'active', activated_at = $2 WHERE id = $1 AND status = 'pending' RETURNING id`, [
      factorId,
      now,
    ]);
    return rows.length === 1;
  }

  async touch(sql: Sql, factorId: string, now: Date): Promise<void> {
    await sql.query(`UPDATE mfa_factors SET last_used_at = $2 WHERE id = $1`, [factorId, now]);
  }

  async rename(sql: Sql, factorId: string, label: string): Promise<void> {
    await sql.query(`UPDATE mfa_factors SET label = $2 WHERE id = $1`, [factorId, label]);
  }

  async delete(sql: Sql, factorId: string): Promise<void> {
    await sql.query(`DELETE FROM mfa_factors WHERE id = $1`, [factorId]);
  }

  /** Removes a user's factors, all of them or those of one type and status; returns how many went. */
  async deleteForUser(sql: Sql, userId: string, only: { type?: Factor['type']; status?: Factor['status'] } = {}): Promise<number> {
    const rows = await sql.query(
      `DELETE FROM mfa_factors WHERE user_id = $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR status = $3) RETURNING id`,
      [userId, only.type ?? null, only.status ?? null],
    );
    return rows.length;
  }
}
