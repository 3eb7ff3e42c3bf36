import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { SmsPrefixBlock } from './sms-prefix-block.entity.js';

const COLUMNS = 'id, prefix, country, reason, sent, verified, blocked_at, lifted_at, lifted_by';

interface Row {
  id: string;
  prefix: string;
  country: string;
  reason: string;
  sent: number;
  verified: number;
  blocked_at: Date;
  lifted_at: Date | null;
  lifted_by: string | null;
}

const toBlock = (r: Row): SmsPrefixBlock => ({
  id: r.id,
  prefix: r.prefix,
  country: r.country,
  reason: r.reason,
  sent: r.sent,
  verified: r.verified,
  blockedAt: r.blocked_at,
  liftedAt: r.lifted_at,
  liftedBy: r.lifted_by,
});

/** The SQL of `sms_prefix_blocks`. */
@Injectable()
export class SmsPrefixBlocksRepository {
  /** Blocks the prefix unless a block is already in force (the unique partial index decides); returns the new block or null. */
  async block(sql: Sql, block: SmsPrefixBlock): Promise<SmsPrefixBlock | null> {
    const [row] = await sql.query<Row>(
      `INSERT INTO sms_prefix_blocks (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)
       ON CONFLICT (prefix) WHERE lifted_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
      [block.id, block.prefix, block.country, block.reason, block.sent, block.verified, block.blockedAt],
    );
    return row ? toBlock(row) : null;
  }

  async activePrefixes(sql: Sql): Promise<string[]> {
    const rows = await sql.query<{ prefix: string }>(`SELECT prefix FROM sms_prefix_blocks WHERE lifted_at IS NULL`);
    return rows.map((r) => r.prefix);
  }

  /** Blocks in force first, then those lifted since `since`, newest first. */
  async list(sql: Sql, since: Date): Promise<SmsPrefixBlock[]> {
    const rows = await sql.query<Row>(
      `SELECT ${COLUMNS} FROM sms_prefix_blocks WHERE lifted_at IS NULL OR lifted_at >= $1
        ORDER BY (lifted_at IS NULL) DESC, blocked_at DESC LIMIT 500`,
      [since],
    );
    return rows.map(toBlock);
  }

  async lift(sql: Sql, id: string, by: string, now: Date): Promise<SmsPrefixBlock | null> {
    const [row] = await sql.query<Row>(
      `UPDATE sms_prefix_blocks SET lifted_at = $3, lifted_by = $2 WHERE id = $1 AND lifted_at IS NULL RETURNING ${COLUMNS}`,
      [id, by, now],
    );
    return row ? toBlock(row) : null;
  }

  /** When the prefix's last block was lifted, if one was: a reviewed prefix is not blocked again at once. */
  async lastLiftedAt(sql: Sql, prefix: string): Promise<Date | null> {
    const [row] = await sql.query<{ at: Date | null }>(`SELECT max(lifted_at) AS at FROM sms_prefix_blocks WHERE prefix = $1`, [prefix]);
    return row?.at ?? null;
  }
}
