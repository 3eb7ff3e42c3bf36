import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { KeyedHash } from '../common/crypto/keyed-hash.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { InjectKeys } from '../config/config.tokens.js';
import type { AppKeys } from '../config/keys.js';
import { Database, type Sql } from '../database/database.js';
import type { UserProfile } from '../vocabulary/principal.js';
import { assuranceOf, type Amr } from '../vocabulary/assurance.js';
import { SessionsException } from './sessions.exception.js';
import type { Session } from './session.entity.js';
import { SessionsRepository } from './sessions.repository.js';
import { LoginAttemptsRepository } from './login-attempts.repository.js';

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
    private readonly db: Database,
    private readonly sessions: SessionsRepository,
    private readonly attempts: LoginAttemptsRepository,
    @InjectKeys() keys: AppKeys,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {
    this.hash = new KeyedHash(keys.tokenHashKey);
  }

  async create(input: { userId: string; amr: Amr[]; authTime: Date; meta: RequestMeta | null }, sql: Sql = this.db): Promise<IssuedSession> {
    const session = this.newSession(input);
    const refreshToken = newRefreshToken();
    await this.sessions.insertWithRefreshToken(sql, session, this.hash.digest(refreshToken, HASH_CONTEXT));
    return { session, refreshToken };
  }

  /** The session that completes a login attempt, or null when the attempt was already used or has expired. */
  async createForAttempt(
    attemptId: string,
    input: { userId: string; amr: Amr[]; authTime: Date; meta: RequestMeta | null },
    sql: Sql = this.db,
  ): Promise<IssuedSession | null> {
    const session = this.newSession(input);
    const refreshToken = newRefreshToken();
    if (!(await this.sessions.insertForAttempt(sql, attemptId, session, this.hash.digest(refreshToken, HASH_CONTEXT)))) return null;
    return { session, refreshToken };
  }

  private newSession(input: { userId: string; amr: Amr[]; authTime: Date; meta: RequestMeta | null }): Session {
    const now = this.clock.now();
    return {
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
    };
  }

  /** Records a completed second factor on an existing session (step-up); null when the session is gone. */
  async upgrade(sessionId: string, amr: Amr[], sql: Sql = this.db): Promise<Session | null> {
    const current = await this.sessions.find(sql, sessionId);
    if (!current) return null;
    const merged = [...new Set([...current.amr, ...amr])];
    return this.sessions.addMethods(sql, sessionId, merged, assuranceOf(merged), this.clock.now());
  }

  /** The session if it may still be used, with its user; null when revoked or past its absolute lifetime. */
  findActiveWithUser(sessionId: string): Promise<{ session: Session; user: UserProfile } | null> {
    return this.sessions.findActiveWithUser(this.db, sessionId, this.clock.now());
  }

  async findActive(sessionId: string): Promise<Session | null> {
    return (await this.findActiveWithUser(sessionId))?.session ?? null;
  }

  async rotate(refreshToken: string, meta: RequestMeta): Promise<IssuedSession & { user: UserProfile }> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(refreshToken)) throw new SessionsException('REFRESH_TOKEN_INVALID');
    const tokenHash = this.hash.digest(refreshToken, HASH_CONTEXT);
    const now = this.clock.now();
    type Outcome = { issued: IssuedSession & { user: UserProfile } } | { reusedSessionId: string | null };
    const outcome = await this.db.transaction(async (tx): Promise<Outcome> => {
      const sessionId = await this.sessions.rotateRefreshToken(tx, tokenHash, now);
      if (!sessionId) return { reusedSessionId: await this.sessions.sessionOfRefreshToken(tx, tokenHash) };
      const found = await this.sessions.findActiveWithUser(tx, sessionId, now);
      if (!found) throw new SessionsException('REFRESH_TOKEN_INVALID');
      await this.sessions.touch(tx, sessionId, now);
      const next = newRefreshToken();
      await this.sessions.insertRefreshToken(tx, sessionId, this.hash.digest(next, HASH_CONTEXT), now);
      return { issued: { session: found.session, refreshToken: next, user: found.user } };
    });
    if ('issued' in outcome) return outcome.issued;
    // Handled after the rotation's transaction, on its own: the refusal must not roll the revocation back.
    if (outcome.reusedSessionId) await this.onReuse(outcome.reusedSessionId, meta);
    throw new SessionsException('REFRESH_TOKEN_INVALID');
  }

  /** After a step-up the client gets a fresh refresh token; the previous one counts as rotated. */
  async reissueRefreshToken(sessionId: string, sql: Sql = this.db): Promise<string> {
    const now = this.clock.now();
    await this.sessions.rotateAllRefreshTokens(sql, sessionId, now);
    const token = newRefreshToken();
    await this.sessions.insertRefreshToken(sql, sessionId, this.hash.digest(token, HASH_CONTEXT), now);
    return token;
  }

  async revoke(sessionId: string, reason: string, sql: Sql = this.db): Promise<void> {
    await this.sessions.revoke(sql, sessionId, reason, this.clock.now());
  }

  /**
   * Revokes every session of a user, optionally keeping the one the request
   * came from, and ends the user's open login attempts: an mfaToken issued
   * before the revocation must not complete a login after it.
   */
  async revokeAllForUser(
    userId: string,
    reason: string,
    exceptSessionId: string | null = null,
    sql: Sql = this.db,
    exceptAttemptId: string | null = null,
  ): Promise<number> {
    const now = this.clock.now();
    const revoked = await this.sessions.revokeAllForUser(sql, userId, reason, now, exceptSessionId);
    await this.attempts.endAllForUser(sql, userId, now, exceptAttemptId);
    return revoked;
  }

  listActiveForUser(userId: string): Promise<Session[]> {
    return this.sessions.listActiveForUser(this.db, userId);
  }

  private async onReuse(sessionId: string, meta: RequestMeta): Promise<void> {
    // A rotated token came back: either it was stolen or the client is broken.
    // Either way no one can tell which holder is legitimate, so the session ends.
    const session = await this.sessions.find(this.db, sessionId);
    await this.revoke(sessionId, 'refresh_token_reuse');
    await this.audit.record({ type: 'refresh_token.reused', userId: session?.userId ?? null, meta, metadata: { sessionId } });
  }
}

/** 256 bits from the CSPRNG (security.md: Tokens). */
function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}
