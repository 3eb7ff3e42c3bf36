import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { validationFailed } from '../common/errors/problem.exception.js';
import { timeRangeOf, type AuditQueryDto } from './dto/audit-query.dto.js';

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

/**
 * A position in the newest-first order: the last row's exact `created_at`
 * (microseconds, as Postgres stores it; a JavaScript Date would drop them and
 * skip rows on the next page) and its id, which breaks ties.
 */
export interface AuditPosition {
  createdAt: string;
  id: string;
}

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
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position
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

const POSITION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})Z,([1-9]\d{0,18})$/;
const MAX_BIGINT = 9223372036854775807n;

/**
 * Opaque to clients, but not secret: it only says where the previous page
 * ended, and an admin who forges one merely reads from another position.
 */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(`${position.createdAt},${position.id}`, 'utf8').toString('base64url');
}

/** Checks every part before it reaches SQL, so a malformed cursor is a 400 and never a database error. */
export function decodeAuditCursor(cursor: string): AuditPosition {
  const invalid = () => validationFailed([{ field: 'cursor', message: 'is not a cursor returned by this endpoint' }]);
  // Node's base64url decoder skips characters it does not know; refuse them instead of guessing.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const match = POSITION.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw invalid();
  const [, seconds, micros, id] = match;
  const time = Date.parse(`${seconds}Z`);
  // The round trip refuses dates the pattern allows but the calendar does not (2025-02-30, 25:00).
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== seconds || seconds < '0001') throw invalid();
  if (BigInt(id) > MAX_BIGINT) throw invalid();
  return { createdAt: `${seconds}.${micros}Z`, id };
}
