import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { timeRangeOf, type AuditQueryDto } from './dto/audit-query.dto.js';
import { decodeKeysetCursor, encodeKeysetCursor, POSITION_SQL, type KeysetPosition } from './keyset-cursor.js';

export const DEFAULT_AUDIT_PAGE_SIZE = 50;

export interface AuditEventView {
  id: string;
  type: string;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface AuditEventPage {
  items: AuditEventView[];
  nextCursor: string | null;
}

/** A position in the newest-first order; the id is the event's bigint. */
export type AuditPosition = KeysetPosition;

export interface AuditFilter {
  userId: string | null;
  type: string | null;
  from: Date | null;
  to: Date | null;
  after: AuditPosition | null;
  limit: number;
}

interface AuditRow {
  id: string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
  position: string;
}

/**
 * The SQL of one page. Only the filters that were given become conditions
 * (no `$1 IS NULL OR …`), so the planner sees plain range conditions and
 * walks the matching index backwards: (user_id, created_at) for a user,
 * (type, created_at) for a type, (created_at) otherwise. Exported so the
 * query-plan test explains exactly this statement.
 */
export function auditPageQuery(filter: AuditFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.userId !== null) where.push(`user_id = ${bind(filter.userId)}::uuid`);
  if (filter.type !== null) where.push(`type = ${bind(filter.type)}`);
  if (filter.from !== null) where.push(`created_at >= ${bind(filter.from)}::timestamptz`);
  if (filter.to !== null) where.push(`created_at < ${bind(filter.to)}::timestamptz`);
  if (filter.after !== null) {
    const at = bind(filter.after.createdAt);
    const id = bind(filter.after.id);
    // Spelled out rather than as a row comparison: `created_at <= at` is the index condition, the rest a cheap filter.
    where.push(`created_at <= ${at}::timestamptz AND (created_at < ${at}::timestamptz OR id < ${id}::bigint)`);
  }
  const sql = `SELECT id, type, user_id, actor_id, ip, user_agent, metadata, created_at,
       ${POSITION_SQL} AS position
  FROM audit_events
 ${where.length > 0 ? `WHERE ${where.join('\n   AND ')}` : ''}
 ORDER BY created_at DESC, id DESC
 LIMIT ${bind(filter.limit + 1)}`;
  return { sql, params };
}

/** Reads the audit log for administrators, newest first, a page at a time. */
@Injectable()
export class AuditQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async page(query: AuditQueryDto): Promise<AuditEventPage> {
    const { from, to } = timeRangeOf(query);
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE_SIZE;
    const { sql, params } = auditPageQuery({
      userId: query.userId ?? null,
      type: query.type ?? null,
      from,
      to,
      after: query.cursor === undefined ? null : decodeAuditCursor(query.cursor),
      limit,
    });
    // One row more than asked for tells whether another page exists without a count.
    const rows: AuditRow[] = await this.dataSource.query(sql, params);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toView),
      nextCursor: rows.length > limit && last ? encodeAuditCursor({ createdAt: last.position, id: last.id }) : null,
    };
  }
}

function toView(row: AuditRow): AuditEventView {
  return {
    id: row.id,
    type: row.type,
    userId: row.user_id,
    actorId: row.actor_id,
    ip: row.ip,
    userAgent: row.user_agent,
    metadata: row.metadata,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

const BIGINT_ID = /^[1-9]\d{0,18}$/;
const MAX_BIGINT = 9223372036854775807n;

export function encodeAuditCursor(position: AuditPosition): string {
  return encodeKeysetCursor(position);
}

/** A cursor this endpoint issued: an exact instant and a positive bigint id. */
export function decodeAuditCursor(cursor: string): AuditPosition {
  return decodeKeysetCursor(cursor, (id) => BIGINT_ID.test(id) && BigInt(id) <= MAX_BIGINT);
}
