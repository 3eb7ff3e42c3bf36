import { isUUID } from 'class-validator';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { Clock } from '../common/clock.js';
import { CommonException } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { AccountLimitService } from '../mfa/account-limit.service.js';
import { FactorManagementService } from '../mfa/factor-management.service.js';
import { MfaFactorsService, toFactorView } from '../mfa/mfa-factors.service.js';
import { User } from '../users/user.entity.js';
import { normaliseEmail, UsersService } from '../users/users.service.js';
import { decodeKeysetCursor, encodeKeysetCursor, POSITION_SQL } from './keyset-cursor.js';

interface UserRow {
  id: string;
  email: string;
  roles: string[];
  created_at: Date;
  /** `created_at` to the microsecond, for the cursor. */
  position: string;
}

/** Admin support for users: search, details, MFA reset, factor removal, unlock, sign-out. */
@Injectable()
export class AdminUsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly factors: MfaFactorsService,
    private readonly management: FactorManagementService,
    private readonly sessions: SessionsService,
    private readonly accountLimit: AccountLimitService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Keyset pagination by (created_at, id), newest first; the cursor is opaque to clients. */
  async search(query: { email?: string; cursor?: string; limit?: number }) {
    const limit = query.limit ?? 20;
    const after = query.cursor === undefined ? null : decodeKeysetCursor(query.cursor, (id) => isUUID(id));
    const pattern = query.email ? `%${escapeLike(normaliseEmail(query.email))}%` : null;
    const rows: UserRow[] = await this.dataSource.query(
      `SELECT id, email, roles, created_at, ${POSITION_SQL} AS position FROM users
        WHERE ($1::text IS NULL OR email LIKE $1 ESCAPE '\\')
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $4`,
      [pattern, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ id: r.id, email: r.email, roles: r.roles, createdAt: new Date(r.created_at).toISOString() })),
      nextCursor: rows.length > limit && last ? encodeKeysetCursor({ createdAt: last.position, id: last.id }) : null,
    };
  }

  async details(userId: string) {
    const user = await this.requireUser(userId);
    const [factors, sessions, lock] = await Promise.all([
      this.factors.listForUser(user.id),
      this.sessions.listActiveForUser(user.id),
      this.accountLimit.state(user.id),
    ]);
    return {
      id: user.id,
      email: user.email,
      roles: user.roles,
      groups: user.groups,
      createdAt: user.createdAt.toISOString(),
      factors: factors.map(toFactorView),
      lock: { locked: lock.locked || lock.retryAfterSeconds > 0, failedAttemptsLastHour: lock.failures, retryAfterSeconds: Math.ceil(lock.retryAfterSeconds) },
      sessions: sessions
        .filter((s) => s.expiresAt > this.clock.now())
        .map((s) => ({
          id: s.id,
          aal: s.aal,
          amr: s.amr,
          createdAt: s.createdAt.toISOString(),
          lastUsedAt: s.lastUsedAt.toISOString(),
          expiresAt: s.expiresAt.toISOString(),
          ip: s.ip,
          userAgent: s.userAgent,
        })),
    };
  }

  async setGroups(userId: string, groups: string[], actorId: string, meta: RequestMeta): Promise<{ id: string; groups: string[] }> {
    const user = await this.requireUser(userId);
    const sorted = [...new Set(groups)].sort();
    await this.dataSource.transaction(async (manager) => {
      await manager.update(User, { id: user.id }, { groups: sorted });
      await this.audit.record({ type: 'admin.user.groups.changed', userId: user.id, actorId, meta, metadata: { from: user.groups, to: sorted } }, manager);
    });
    return { id: user.id, groups: sorted };
  }

  async resetMfa(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.requireUser(userId);
    await this.management.resetAll(user.id, actorId, meta);
  }

  async removeFactor(userId: string, factorId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.requireUser(userId);
    await this.management.remove(user.id, factorId, { actorId, keepSessionId: null, meta });
  }

  async unlock(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.requireUser(userId);
    // Failures before this moment stop counting; the audit log keeps them.
    await this.dataSource.manager.update(User, { id: user.id }, { mfaUnlockedAt: this.clock.now() });
    await this.accountLimit.unlock(user.id);
    await this.audit.record({ type: 'admin.user.unlocked', userId: user.id, actorId, meta });
  }

  async revokeSessions(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.requireUser(userId);
    const count = await this.sessions.revokeAllForUser(user.id, 'admin');
    await this.audit.record({ type: 'admin.sessions.revoked', userId: user.id, actorId, meta, metadata: { count } });
  }

  private async requireUser(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw new CommonException('NOT_FOUND', { detail: 'No such user.' });
    return user;
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
