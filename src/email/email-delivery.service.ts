import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import { InjectConfig } from '../config/config.tokens.js';
import type { AppConfig } from '../config/app-config.js';
import { isDatabaseUnavailable } from '../common/errors/problem-details.filter.js';
import { Database, type Sql, type Tx } from '../database/database.js';
import { EmailSender, type EmailSendResult } from './email-sender.js';
import type { EmailMessage } from './email-message.entity.js';
import { EmailMessagesRepository } from './email-messages.repository.js';
import { renderEmail, type EmailContent, type NoticeEvent } from './email-templates.js';

/**
 * The email outbox worker's name in Nest's SchedulerRegistry: it looks for
 * due messages every second. A test that drives `pollOnce()` itself deletes it there.
 */
export const EMAIL_OUTBOX_WORKER = 'email-outbox-worker';
const WORKER_INTERVAL_MS = 1000;

/** Attempts per message before it is given up. */
export const MAX_EMAIL_ATTEMPTS = 5;
/**
 * How long a sender owns a row before another process may take it over. Longer
 * than the SMTP timeouts (20 s each for connect, greeting and socket), so a
 * live send is never handed to another instance; a crash's mail goes out a
 * minute later. (Mail is not on a login's critical path, unlike an SMS code.)
 */
export const EMAIL_LEASE_SECONDS = 60;

export interface EmailInput {
  userId: string | null;
  to: string;
  /** A BCP 47 tag (the user's, or the request's Accept-Language); unsupported tags fall back to English. */
  locale: string | null;
  content: EmailContent;
  /** The one-time link or code; sealed in the row until the message is sent. */
  secret?: string;
  /** After this the secret no longer works and the message is not sent. */
  expiresAt?: Date;
  /**
   * Leave the send to the outbox worker instead of a `dispatch` by this
   * request, so the request costs the same whether a message was written or
   * not (password reset: no account oracle in the timing).
   */
  queued?: boolean;
}

/** `ada@example.com` → `a•••@example.com`: enough for support to recognise, not to harvest. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${address[0]}•••${address.slice(at)}`;
}

/**
 * The email outbox, on the model of the SMS one: a message is written in the
 * statement or transaction of the change it belongs to, already leased to
 * this process, and handed to the transport once that has committed. The
 * worker retries with backoff and takes over rows whose sender died.
 */
@Injectable()
export class EmailDeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger('EmailDelivery');
  /** Set on shutdown: a scheduled tick that fires after it does nothing. */
  private stopped = false;
  private polling: Promise<void> | null = null;
  private paused = false;

  constructor(
    private readonly db: Database,
    private readonly messages: EmailMessagesRepository,
    private readonly sender: EmailSender,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Interval(EMAIL_OUTBOX_WORKER, WORKER_INTERVAL_MS)
  async pollOnSchedule(): Promise<void> {
    if (this.stopped) return;
    await this.pollOnce().then(
      () => this.pollSucceeded(),
      (e: unknown) => this.pollFailed(e),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.polling;
    await this.sender.close();
  }

  /** A message ready to be inserted by the caller (`emailOutboxInsert`), leased to this process. */
  prepare(input: EmailInput): EmailMessage {
    const now = this.clock.now();
    const id = randomUUID();
    return {
      id,
      userId: input.userId,
      kind: input.content.kind,
      locale: input.locale ?? '',
      content: input.content,
      recipientCiphertext: this.secrets.seal(input.to, `email:${id}`),
      recipientMasked: maskEmail(input.to),
      secretCiphertext: input.secret === undefined ? null : this.secrets.seal(input.secret, `email-secret:${id}`),
      provider: this.sender.provider,
      providerMessageId: null,
      status: input.queued ? 'retry' : 'sending',
      attempts: input.queued ? 0 : 1,
      nextAttemptAt: now,
      lockedUntil: input.queued ? null : new Date(now.getTime() + EMAIL_LEASE_SECONDS * 1000),
      expiresAt: input.expiresAt ?? null,
      lastError: null,
      createdAt: now,
      sentAt: null,
      updatedAt: now,
    };
  }

  /** Writes a message to the outbox on `sql` (the pool or the change's transaction); `dispatch` it after commit. */
  async enqueue(sql: Sql, input: EmailInput): Promise<EmailMessage> {
    const message = this.prepare(input);
    await this.messages.insert(sql, message);
    return message;
  }

  /**
   * A security notice to the account's own address, written on `sql`. In a
   * transaction it goes out once that commits; on the pool, at once.
   */
  async notify(sql: Sql | Tx, user: { id: string; email: string; locale: string | null }, event: NoticeEvent, extra: { remaining?: number } = {}): Promise<void> {
    const message = await this.enqueue(sql, {
      userId: user.id,
      to: user.email,
      locale: user.locale,
      content: { kind: 'security_notice', event, ...(extra.remaining === undefined ? {} : { remaining: extra.remaining }) },
    });
    if (isTx(sql)) sql.afterCommit(() => this.dispatch(message));
    else await this.dispatch(message);
  }

  /** Sends a message this process inserted, once its statement or transaction has committed. Never throws. */
  async dispatch(message: EmailMessage): Promise<void> {
    try {
      await this.send(message);
    } catch (error) {
      // The row stays leased and the worker sends it once the lease runs out.
      this.logger.warn({ err: error, messageId: message.id }, 'email hand-off failed; the outbox will retry');
    }
  }

  async dispatchAll(messages: readonly EmailMessage[]): Promise<void> {
    for (const message of messages) await this.dispatch(message);
  }

  /** One worker pass over every due message. */
  pollOnce(): Promise<void> {
    this.polling ??= (async () => {
      try {
        for (;;) {
          const now = this.clock.now();
          const batch = await this.messages.claimDue(this.db, { now, leaseUntil: new Date(now.getTime() + EMAIL_LEASE_SECONDS * 1000), limit: 20 });
          if (batch.length === 0) return;
          for (const message of batch) await this.send(message);
        }
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }

  private pollFailed(error: unknown): void {
    if (!isDatabaseUnavailable(error)) {
      this.logger.error({ err: error }, 'email outbox poll failed');
      return;
    }
    if (this.paused) return;
    this.paused = true;
    this.logger.error({ err: error }, 'email outbox paused: the database cannot be reached; retrying every pass');
  }

  private pollSucceeded(): void {
    if (!this.paused) return;
    this.paused = false;
    this.logger.log('email outbox resumed');
  }

  private async send(message: EmailMessage): Promise<void> {
    const now = this.clock.now();
    if (message.expiresAt && message.expiresAt.getTime() <= now.getTime()) return this.finish(message, 'expired', null, null);
    const secret = message.secretCiphertext === null ? undefined : this.secrets.open(message.secretCiphertext, `email-secret:${message.id}`);
    const rendered = renderEmail({ appName: this.config.appName, locale: message.locale || null, content: message.content, secret });
    const to = this.secrets.open(message.recipientCiphertext, `email:${message.id}`);
    let result: EmailSendResult;
    try {
      result = await this.sender.send({ to, ...rendered, reference: message.id });
    } catch {
      result = { ok: false, retryable: true, reason: 'adapter_error' };
    }
    if (result.ok) return this.finish(message, 'sent', result.providerMessageId, null);
    if (result.retryable && message.attempts < MAX_EMAIL_ATTEMPTS) return this.finish(message, 'retry', null, result.reason);
    return this.finish(message, 'failed', null, result.reason);
  }

  private async finish(message: EmailMessage, status: 'sent' | 'retry' | 'failed' | 'expired', providerMessageId: string | null, lastError: string | null): Promise<void> {
    const now = this.clock.now();
    // Exponential backoff: 2 s, 4 s, 8 s, 16 s between attempts.
    const nextAttemptAt = status === 'retry' ? new Date(now.getTime() + 2 ** message.attempts * 1000) : null;
    await this.messages.finish(this.db, message.id, { status, now, providerMessageId, lastError, nextAttemptAt });
  }
}

function isTx(sql: Sql | Tx): sql is Tx {
  return typeof (sql as Tx).afterCommit === 'function';
}
