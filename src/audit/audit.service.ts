import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
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
  | 'admin.mfa.reset'
  | 'admin.factor.removed'
  | 'admin.user.unlocked'
  | 'admin.sessions.revoked'
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
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Writes one event; pass the transaction's manager to make it part of the change it records. */
  async record(event: AuditRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const row = manager.create(AuditEvent, {
      type: event.type,
      userId: event.userId ?? null,
      actorId: event.actorId ?? null,
      ip: event.meta?.ip ?? null,
      userAgent: event.meta?.userAgent?.slice(0, 512) ?? null,
      metadata: event.metadata ?? {},
      createdAt: this.clock.now(),
    });
    await manager.save(AuditEvent, row, { reload: false });
  }
}
