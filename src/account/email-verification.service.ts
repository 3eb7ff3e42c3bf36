import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import { CommonException } from '../common/errors/problem.exception.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.tokens.js';
import { Database, type Tx } from '../database/database.js';
import { EmailDeliveryService } from '../email/email-delivery.service.js';
import { FactorChangePolicyService } from '../mfa/factor-change-policy.service.js';
import { normaliseEmail } from '../users/users.service.js';
import type { AccessPrincipal } from '../vocabulary/principal.js';
import { AccountException } from './account.exception.js';
import type { EmailVerificationPurpose } from './email-verification-token.entity.js';
import { EmailVerificationTokensRepository } from './email-verification-tokens.repository.js';

/** A verification link works for an hour (then the user asks for another). */
export const VERIFICATION_TTL_SECONDS = 3600;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const UNIQUE_VIOLATION = '23505';

/**
 * Proving an address: the account's own after registration, or a new one
 * before the account switches to it. A change takes effect only when the
 * link mailed to the new address is opened, and the old address is told.
 */
@Injectable()
export class EmailVerificationService {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly secrets: SecretsService,
    private readonly tokens: EmailVerificationTokensRepository,
    private readonly email: EmailDeliveryService,
    private readonly changes: FactorChangePolicyService,
    private readonly audit: AuditService,
  ) {}

  /** Writes a link for `address` in `tx`; it is mailed once the transaction commits. */
  async issue(tx: Tx, user: { id: string; locale: string | null }, address: string, purpose: EmailVerificationPurpose, locale: string | null): Promise<void> {
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + VERIFICATION_TTL_SECONDS * 1000);
    await this.tokens.insert(tx, { id: randomUUID(), userId: user.id, email: address, purpose, tokenHash: this.hashOf(token), now, expiresAt });
    const message = await this.email.enqueue(tx, {
      userId: user.id,
      to: address,
      locale: user.locale ?? locale,
      content: { kind: 'email_verification', minutes: VERIFICATION_TTL_SECONDS / 60 },
      secret: `${this.config.email.linkBaseUrl}/verify-email#token=${token}`,
      expiresAt,
    });
    tx.afterCommit(() => this.email.dispatch(message));
  }

  /** The account's own address again (a lost or expired link). */
  async resend(principal: AccessPrincipal, meta: RequestMeta): Promise<void> {
    await this.db.transaction((tx) => this.issue(tx, principal.user, principal.user.email, 'verify', meta.acceptLanguage));
  }

  /** Asks to change the address: a link to the new one; nothing changes until it is opened. */
  async requestChange(principal: AccessPrincipal, address: string, meta: RequestMeta): Promise<void> {
    await this.changes.assertMayChange(principal);
    const email = normaliseEmail(address);
    if (email === principal.user.email) throw new CommonException('CONFLICT', { detail: 'This is already the account\'s address.' });
    await this.db.transaction(async (tx) => {
      await this.issue(tx, principal.user, email, 'change', meta.acceptLanguage);
      await this.audit.record({ type: 'email.verification.sent', userId: principal.userId, meta, metadata: { purpose: 'change' } }, tx);
    });
  }

  async verify(token: string, meta: RequestMeta): Promise<void> {
    if (!TOKEN_PATTERN.test(token)) throw new AccountException('EMAIL_VERIFICATION_TOKEN_INVALID');
    try {
      const done = await this.db.transaction(async (tx) => {
        const now = this.clock.now();
        const spent = await this.tokens.consume(tx, this.hashOf(token), now);
        if (!spent) return false;
        const [user] = await tx.query<{ id: string; email: string; locale: string | null }>(`SELECT id, email, locale FROM users WHERE id = $1 FOR UPDATE`, [spent.userId]);
        if (!user) return false;
        if (spent.purpose === 'verify') {
          // A link for an address the account no longer has proves nothing.
          if (user.email !== spent.email) return false;
          await tx.query(`UPDATE users SET email_verified_at = $2, updated_at = $2 WHERE id = $1`, [user.id, now]);
          await this.audit.record({ type: 'email.verified', userId: user.id, meta }, tx);
          return true;
        }
        await tx.query(`UPDATE users SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1`, [user.id, spent.email, now]);
        // The old address hears of it: a takeover that changes the address does not go unnoticed.
        await this.email.notify(tx, user, 'email_changed');
        await this.audit.record({ type: 'email.changed', userId: user.id, meta }, tx);
        return true;
      });
      if (!done) throw new AccountException('EMAIL_VERIFICATION_TOKEN_INVALID');
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) {
        throw new CommonException('CONFLICT', { detail: 'Another account has this address now.' });
      }
      throw error;
    }
  }

  private hashOf(token: string): string {
    return this.secrets.lookupHash(token, 'email-verification');
  }
}
