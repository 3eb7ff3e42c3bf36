import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import type { RequestMeta } from '../common/http/request-meta.js';
import { RateCountersRepository } from '../common/rate-counters.repository.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.tokens.js';
import { Database } from '../database/database.js';
import { EmailDeliveryService } from '../email/email-delivery.service.js';
import { emailOutboxInsert } from '../email/email-messages.repository.js';
import { normaliseEmail, UsersService } from '../users/users.service.js';
import { AccountException } from './account.exception.js';
import { CredentialChangeService } from './credential-change.service.js';
import { PasswordResetTokensRepository } from './password-reset-tokens.repository.js';

/** A reset link works for 30 minutes (the bound; OWASP Forgot Password cheat sheet: short-lived). */
export const RESET_TOKEN_TTL_SECONDS = 30 * 60;
/** Reset emails per account per hour; more requests are answered the same way and send nothing. */
export const RESET_EMAILS_PER_HOUR = 3;
const HOUR_MS = 3600_000;
const BUCKET_MS = 60_000;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Forgot and reset. `forgot` runs the same single statement for every
 * address and writes the same rows: it counts the request against the
 * address's hourly cap (known or not), then writes a token, an outbox row and
 * an audit row; only when an account has the address and the cap holds does
 * the token name a user and the mail go out. The mail is left to the outbox
 * worker rather than sent by the request. So the answer, and the work and
 * time it takes, are the same for known and unknown addresses (security.md:
 * no account oracle).
 */
@Injectable()
export class PasswordResetService {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly secrets: SecretsService,
    private readonly counters: RateCountersRepository,
    private readonly tokens: PasswordResetTokensRepository,
    private readonly email: EmailDeliveryService,
    private readonly users: UsersService,
    private readonly credentials: CredentialChangeService,
    private readonly audit: AuditService,
  ) {}

  async forgot(address: string, meta: RequestMeta): Promise<void> {
    const email = normaliseEmail(address);
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + RESET_TOKEN_TTL_SECONDS * 1000);
    const message = this.email.prepare({
      userId: null,
      to: email,
      locale: meta.acceptLanguage,
      content: { kind: 'password_reset', minutes: RESET_TOKEN_TTL_SECONDS / 60 },
      secret: `${this.config.email.linkBaseUrl}/reset-password#token=${token}`,
      expiresAt,
      queued: true,
    });
    const bucket = Math.floor(now.getTime() / BUCKET_MS) * BUCKET_MS;
    const counter = { key: `pwreset:${this.secrets.lookupHash(email, 'password-reset-email')}`, bucket: new Date(bucket), since: new Date(bucket - HOUR_MS + BUCKET_MS) };
    await this.counters.hitAndRead(this.db, [counter], [{ ...counter, group: 0 }], [RESET_EMAILS_PER_HOUR], (offset, when) => {
      const stored = this.tokens.insertForEmail(offset, when, { id: randomUUID(), email, tokenHash: this.hashOf(token), now, expiresAt });
      // For an unknown address (or over the cap) the mail row is written too, as `suppressed` and without
      // the link: the same rows in the same tables either way, so the time tells nothing.
      const sends = 'reset_target.user_id IS NOT NULL';
      const outbox = emailOutboxInsert(message, offset + stored.values.length, 'reset_target', {
        user_id: (v) => `COALESCE(reset_target.user_id, ${v})`,
        locale: (v) => `COALESCE(reset_target.locale, ${v})`,
        status: (v) => `CASE WHEN ${sends} THEN ${v} ELSE 'suppressed' END`,
        secret_ciphertext: (v) => `CASE WHEN ${sends} THEN ${v} END`,
      });
      const auditAt = offset + stored.values.length + outbox.values.length;
      return {
        text: `${stored.text},
         reset_mail AS (${outbox.text}),
         reset_audit AS (
           INSERT INTO audit_events (type, user_id, actor_id, ip, user_agent, metadata, created_at)
           SELECT 'password.reset.requested', user_id, NULL, $${auditAt + 1}::text, $${auditAt + 2}::text, jsonb_build_object('sent', user_id IS NOT NULL), $${auditAt + 3}::timestamptz FROM reset_target)`,
        values: [...stored.values, ...outbox.values, meta.ip, meta.userAgent?.slice(0, 512) ?? null, now],
      };
    });
  }

  /** Sets a new password with a reset token. Never signs in and never touches the factors (security.md). */
  async reset(token: string, password: string, meta: RequestMeta): Promise<void> {
    if (!TOKEN_PATTERN.test(token)) throw new AccountException('PASSWORD_RESET_TOKEN_INVALID');
    const passwordHash = await this.users.hashNewPassword(password);
    const done = await this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const userId = await this.tokens.consume(tx, this.hashOf(token), now);
      if (!userId) return false;
      const user = await this.users.replacePasswordHash(tx, userId, passwordHash, now);
      if (!user) return false;
      await this.credentials.credentialsChanged(tx, { user, kind: 'password_reset', keepSessionId: null, meta, now });
      return true;
    });
    if (!done) {
      await this.audit.record({ type: 'password.reset.refused', meta });
      throw new AccountException('PASSWORD_RESET_TOKEN_INVALID');
    }
  }

  private hashOf(token: string): string {
    return this.secrets.lookupHash(token, 'password-reset');
  }
}
