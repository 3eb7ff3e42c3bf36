import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { Database, type Sql, type Tx } from '../database/database.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { AuditEvent } from './audit-event.entity.js';

/** Every security event Sesame records (security.md: Audit). */
export type AuditEventType =
  | 'user.registered'
  | 'login.succeeded'
  | 'login.failed'
  | 'logout'
  | 'session.refreshed'
  | 'refresh_token.reused'
  | 'session.revoked'
  | 'mfa.code.sent'
  | 'mfa.code.send_failed'
  | 'mfa.code.verified'
  | 'mfa.code.failed'
  | 'mfa.challenge.locked'
  | 'mfa.account.throttled'
  | 'mfa.factor.enrolled'
  | 'mfa.factor.activated'
  | 'mfa.factor.removed'
  | 'mfa.factor.renamed'
  | 'mfa.totp.replayed'
  | 'mfa.recovery_code.used'
  | 'mfa.recovery_codes.generated'
  | 'mfa.step_up.completed'
  | 'mfa.policy.changed'
  | 'mfa.policy.rolled_back'
  | 'mfa.enrollment.deadline_notice'
  | 'admin.mfa.reset'
  | 'admin.factor.removed'
  | 'admin.user.unlocked'
  | 'admin.sessions.revoked'
  | 'admin.user.groups.changed'
  | 'admin.created';

export interface AuditRecord {
  type: AuditEventType;
  userId?: string | null;
  actorId?: string | null;
  meta?: Pick<RequestMeta, 'ip' | 'userAgent'> | null;
  /** Masked destinations, counts, ids — never a code, password, token or full phone number. */
  metadata?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  /** Events recorded in an open transaction, written together just before it commits. */
  private readonly pending = new WeakMap<Tx, unknown[][]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /**
   * Writes one event. Pass the transaction (a `Tx`, or a TypeORM manager) to
   * make it part of the change it records: in a `Tx` the events of the whole
   * transaction go in one multi-row INSERT before COMMIT.
   */
  async record(event: AuditRecord, handle?: Tx | EntityManager): Promise<void> {
    const values = this.valuesOf(event);
    if (handle === undefined) {
      await this.db.query(`${INSERT} ${placeholders(1)}`, values);
    } else if (isTx(handle)) {
      let rows = this.pending.get(handle);
      if (!rows) {
        const batch: unknown[][] = [];
        rows = batch;
        this.pending.set(handle, batch);
        // Empty when the transaction's last statement carried the events (`carriedBy`).
        handle.beforeCommit(async () => {
          if (batch.length > 0) await handle.query(`${INSERT} ${placeholders(batch.length)}`, batch.flat());
        });
      }
      rows.push(values);
    } else {
      const row = handle.create(AuditEvent, {
        type: event.type,
        userId: event.userId ?? null,
        actorId: event.actorId ?? null,
        ip: event.meta?.ip ?? null,
        userAgent: event.meta?.userAgent?.slice(0, 512) ?? null,
        metadata: event.metadata ?? {},
        createdAt: this.clock.now(),
      });
      await handle.save(AuditEvent, row, { reload: false });
    }
  }

  /**
   * Runs one data-modifying statement (which must end in RETURNING) and
   * writes the events in the same statement: atomic without a transaction,
   * and one round trip instead of three. Returns the statement's rows.
   */
  async recordWith<R extends object>(
    sql: Sql,
    statement: { text: string; values: unknown[] },
    events: AuditRecord[],
  ): Promise<R[]> {
    if (events.length === 0) return sql.query<R>(statement.text, statement.values);
    const offset = statement.values.length;
    const rows = events.map((e) => this.valuesOf(e));
    return sql.query<R>(
      `WITH main AS (${statement.text}), audit AS (${INSERT} ${placeholders(rows.length, offset)}) SELECT * FROM main`,
      [...statement.values, ...rows.flat()],
    );
  }

  /**
   * The events recorded so far in `tx`, and `events`, as the CTE `audit` of
   * the transaction's last statement, its parameters numbered after the
   * statement's first `offset`: they are written by that statement, and
   * nothing is left to write before COMMIT (one round trip fewer). The caller
   * must run the statement in `tx`; a rollback discards the events as usual.
   */
  carriedBy(tx: Tx, events: AuditRecord[]): (offset: number) => { text: string; values: unknown[] } {
    return (offset) => {
      const batch = this.pending.get(tx);
      const rows = [...(batch?.splice(0) ?? []), ...events.map((e) => this.valuesOf(e))];
      return { text: `audit AS (${INSERT} ${placeholders(rows.length, offset)})`, values: rows.flat() };
    };
  }

  private valuesOf(event: AuditRecord): unknown[] {
    return [
      event.type,
      event.userId ?? null,
      event.actorId ?? null,
      event.meta?.ip ?? null,
      event.meta?.userAgent?.slice(0, 512) ?? null,
      // A jsonb parameter: the driver serialises the object.
      event.metadata ?? {},
      this.clock.now(),
    ];
  }
}

const INSERT = `INSERT INTO audit_events (type, user_id, actor_id, ip, user_agent, metadata, created_at) VALUES`;
const COLUMNS = 7;

function placeholders(rows: number, offset = 0): string {
  return Array.from({ length: rows }, (_, r) => `(${Array.from({ length: COLUMNS }, (_, c) => `$${offset + r * COLUMNS + c + 1}`).join(', ')})`).join(', ');
}

function isTx(handle: Tx | EntityManager): handle is Tx {
  return typeof (handle as Tx).beforeCommit === 'function';
}
