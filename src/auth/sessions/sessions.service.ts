import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { KeyedHash } from '../../common/crypto/keyed-hash.js';
import type { RequestMeta } from '../../common/http/request-meta.js';
import { InjectKeys } from '../../config/config.tokens.js';
import type { AppKeys } from '../../config/keys.js';
import { affectedOf, rowsOf } from '../../database/query-result.js';
import { assuranceOf, type Amr } from '../../mfa/assurance.js';
import { AuthException } from '../auth.exception.js';
import { RefreshToken } from './refresh-token.entity.js';
import { Session } from './session.entity.js';

/** A session may be refreshed for 30 days after it began; then the user signs in again. */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;
const HASH_CONTEXT = 'refresh-token';

export interface IssuedSession {
  session: Session;
  refreshToken: string;
}

/**
 * Sessions and their refresh tokens. Rotation is one conditional UPDATE, so of
 * two concurrent refreshes with the same token exactly one rotates it and the
 * other is treated as reuse (RFC 9700 §4.14.2: the session is revoked).
 */
@Injectable()
export class SessionsService {
  private readonly hash: KeyedHash;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectKeys() keys: AppKeys,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {
    this.hash = new KeyedHash(keys.tokenHashKey);
  }

  async create(
    input: { userId: string; amr: Amr[]; authTime: Date; meta: RequestMeta | null },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IssuedSession> {
    const now = this.clock.now();
    const session = manager.create(Session, {
      id: randomUUID(),
      userId: input.userId,
      aal: assuranceOf(input.amr),
      amr: input.amr,
      authTime: input.authTime,
      ip: input.meta?.ip ?? null,
      userAgent: input.meta?.userAgent?.slice(0, 512) ?? null,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000),
      revokedAt: null,
      revokedReason: null,
    });
    await manager.insert(Session, session);
    const refreshToken = await this.issueRefreshToken(session.id, manager);
    return { session, refreshToken };
  }

  /** Records a completed second factor on an existing session (step-up). */
  async upgrade(sessionId: string, amr: Amr[], manager: EntityManager = this.dataSource.manager): Promise<Session> {
    const session = await manager.findOneByOrFail(Session, { id: sessionId });
    const merged = [...new Set([...session.amr, ...amr])];
    session.amr = merged;
    session.aal = assuranceOf(merged);
    session.authTime = this.clock.now();
    await manager.update(Session, { id: sessionId }, { amr: merged, aal: session.aal, authTime: session.authTime });
    return session;
  }

  /** The session if it may still be used; null when revoked or past its absolute lifetime. */
  async findActive(sessionId: string): Promise<Session | null> {
    const session = await this.dataSource.manager.findOneBy(Session, { id: sessionId, revokedAt: IsNull() });
    if (!session || session.expiresAt <= this.clock.now()) return null;
    return session;
  }

  async rotate(refreshToken: string, meta: RequestMeta): Promise<IssuedSession> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(refreshToken)) throw new AuthException('REFRESH_TOKEN_INVALID');
    const tokenHash = this.hash.digest(refreshToken, HASH_CONTEXT);
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const rotated = rowsOf<{ session_id: string }>(
        await manager.query(
          `UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at IS NULL RETURNING session_id`,
          [tokenHash, now],
        ),
      );
      if (rotated.length === 0) {
        const known = await manager.findOneBy(RefreshToken, { tokenHash });
        if (known) await this.onReuse(known.sessionId, meta);
        throw new AuthException('REFRESH_TOKEN_INVALID');
      }
      const session = await manager.findOneBy(Session, { id: rotated[0].session_id, revokedAt: IsNull() });
      if (!session || session.expiresAt <= now) throw new AuthException('REFRESH_TOKEN_INVALID');
      await manager.update(Session, { id: session.id }, { lastUsedAt: now });
      return { session, refreshToken: await this.issueRefreshToken(session.id, manager) };
    });
  }

  /** After a step-up the client gets a fresh refresh token; the previous one counts as rotated. */
  async reissueRefreshToken(sessionId: string, manager: EntityManager = this.dataSource.manager): Promise<string> {
    await manager.query(`UPDATE refresh_tokens SET rotated_at = $2 WHERE session_id = $1 AND rotated_at IS NULL`, [
      sessionId,
      this.clock.now(),
    ]);
    return this.issueRefreshToken(sessionId, manager);
  }

  async revoke(sessionId: string, reason: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.update(Session, { id: sessionId, revokedAt: IsNull() }, { revokedAt: this.clock.now(), revokedReason: reason });
  }

  /** Revokes every session of a user, optionally keeping the one the request came from. */
  async revokeAllForUser(
    userId: string,
    reason: string,
    exceptSessionId: string | null = null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const result: unknown = await manager.query(
      `UPDATE sessions SET revoked_at = $2, revoked_reason = $3
        WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)`,
      [userId, this.clock.now(), reason, exceptSessionId],
    );
    return affectedOf(result);
  }

  listActiveForUser(userId: string): Promise<Session[]> {
    return this.dataSource.manager.find(Session, {
      where: { userId, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
  }

  private async onReuse(sessionId: string, meta: RequestMeta): Promise<void> {
    // A rotated token came back: either it was stolen or the client is broken.
    // Either way no one can tell which holder is legitimate, so the session ends.
    const session = await this.dataSource.manager.findOneBy(Session, { id: sessionId });
    await this.revoke(sessionId, 'refresh_token_reuse');
    await this.audit.record({ type: 'refresh_token.reused', userId: session?.userId ?? null, meta, metadata: { sessionId } });
  }

  private async issueRefreshToken(sessionId: string, manager: EntityManager): Promise<string> {
    const token = randomBytes(32).toString('base64url'); // 256 bits (security.md: Tokens)
    await manager.insert(RefreshToken, {
      tokenHash: this.hash.digest(token, HASH_CONTEXT),
      sessionId,
      createdAt: this.clock.now(),
      rotatedAt: null,
    });
    return token;
  }
}
