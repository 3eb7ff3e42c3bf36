import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AbuseMonitorService } from '../alerts/abuse-monitor.service.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { SecretsService } from '../common/crypto/secrets.service.js';
import { rowsOf } from '../database/query-result.js';
import { SmsSender } from './sms-sender.js';
import { SmsMessage, type SmsMessageKind } from './sms-message.entity.js';
import { smsMessagesTotal } from './sms-metrics.js';

/** How often the outbox worker looks for due messages; 0 turns the worker off (tests drive it by hand). */
export const SMS_WORKER_INTERVAL_MS = Symbol('SMS_WORKER_INTERVAL_MS');

/** Attempts per message before it is given up as failed. */
export const MAX_SEND_ATTEMPTS = 5;
/** How long a worker owns a row it is sending before another may take it over. */
const LEASE_SECONDS = 30;

export interface Destination {
  e164: string;
  country: string;
  masked: string;
}

export type DeliveryOutcome =
  | { status: 'sent' }
  | { status: 'retry'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'expired' }
  | { status: 'busy' };

/**
 * Regenerates the code of an OTP message whose code is no longer in memory
 * (the process restarted between commit and send). Returns the new code, or
 * null when the challenge can no longer be used and the message must not go.
 */
export type CodeReissuer = (challengeId: string, manager: EntityManager) => Promise<string | null>;

/**
 * The SMS outbox. A message is written in the same transaction as the
 * challenge it belongs to, then sent; a worker picks up what is due with
 * `FOR UPDATE SKIP LOCKED`, so several instances never send one row twice and
 * a crash after commit still delivers.
 *
 * The plaintext code lives only in this process's memory (keyed by message
 * id) and in the text handed to the provider (security.md). After a restart
 * the code is gone, so the worker issues a fresh one for the same challenge.
 */
@Injectable()
export class SmsDeliveryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SmsDelivery');
  private readonly codes = new Map<string, string>();
  private reissuer: CodeReissuer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sender: SmsSender,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly monitor: AbuseMonitorService,
    @Inject(SMS_WORKER_INTERVAL_MS) private readonly workerIntervalMs: number,
  ) {}

  /** The challenge side registers how to reissue a lost code (keeps this module free of MFA imports). */
  useCodeReissuer(reissuer: CodeReissuer): void {
    this.reissuer = reissuer;
  }

  onApplicationBootstrap(): void {
    if (this.workerIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.pollOnce().catch((e) => this.logger.error({ err: e }, 'outbox poll failed')), this.workerIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  get provider(): string {
    return this.sender.provider;
  }

  /** Writes an OTP message to the outbox inside the caller's transaction. */
  async enqueueOtp(
    manager: EntityManager,
    input: { userId: string; challengeId: string; destination: Destination; locale: string; text: string; code: string },
  ): Promise<SmsMessage> {
    const message = await this.insert(manager, {
      userId: input.userId,
      challengeId: input.challengeId,
      kind: 'otp',
      destination: input.destination,
      locale: input.locale,
      bodyTemplate: input.text.split(input.code).join('{code}'),
    });
    this.codes.set(message.id, input.code);
    return message;
  }

  /** Writes a message without a code (a notice) to the outbox. */
  enqueueNotice(
    manager: EntityManager,
    input: { userId: string; kind: Exclude<SmsMessageKind, 'otp'>; destination: Destination; locale: string; text: string },
  ): Promise<SmsMessage> {
    return this.insert(manager, { ...input, challengeId: null, bodyTemplate: input.text });
  }

  /** Claims one message and sends it now (after the enqueueing transaction committed). */
  async deliver(messageId: string): Promise<DeliveryOutcome> {
    const [message] = await this.claim(messageId);
    if (!message) return { status: 'busy' };
    return this.send(message);
  }

  /** One worker pass: every due message (new, to retry, or abandoned by a dead worker). */
  pollOnce(): Promise<void> {
    this.polling ??= (async () => {
      try {
        for (;;) {
          const batch = await this.claim(null, 20);
          if (batch.length === 0) return;
          for (const message of batch) await this.send(message);
        }
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }

  /** Forgets in-memory codes, as a process restart would (used by the crash-recovery test). */
  forgetCodes(): void {
    this.codes.clear();
  }

  private async insert(
    manager: EntityManager,
    input: {
      userId: string;
      challengeId: string | null;
      kind: SmsMessageKind;
      destination: Destination;
      locale: string;
      bodyTemplate: string;
    },
  ): Promise<SmsMessage> {
    const now = this.clock.now();
    const id = randomUUID();
    const message = manager.create(SmsMessage, {
      id,
      userId: input.userId,
      challengeId: input.challengeId,
      kind: input.kind,
      locale: input.locale,
      bodyTemplate: input.bodyTemplate,
      destinationCiphertext: this.secrets.seal(input.destination.e164, `sms:${id}`),
      destinationHash: this.secrets.lookupHash(input.destination.e164, 'phone'),
      destinationMasked: input.destination.masked,
      destinationCountry: input.destination.country,
      provider: this.sender.provider,
      providerMessageId: null,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      lastError: null,
      createdAt: now,
      sentAt: null,
      deliveredAt: null,
      updatedAt: now,
    });
    await manager.insert(SmsMessage, message);
    return message;
  }

  private async claim(messageId: string | null, limit = 1): Promise<SmsMessage[]> {
    const now = this.clock.now();
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(
        `UPDATE sms_messages SET status = 'sending', locked_until = $2, attempts = attempts + 1, updated_at = $1
          WHERE id IN (
            SELECT id FROM sms_messages
             WHERE (($3::uuid IS NULL) OR id = $3::uuid)
               AND ((status IN ('pending', 'retry') AND next_attempt_at <= $1) OR (status = 'sending' AND locked_until < $1))
             ORDER BY next_attempt_at
             LIMIT $4
               FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [now, new Date(now.getTime() + LEASE_SECONDS * 1000), messageId, limit],
      ),
    );
    if (rows.length === 0) return [];
    return this.dataSource.manager.findBy(SmsMessage, rows.map((r) => ({ id: r.id })));
  }

  private async send(message: SmsMessage): Promise<DeliveryOutcome> {
    let text = message.bodyTemplate;
    if (message.kind === 'otp') {
      let code = this.codes.get(message.id) ?? null;
      if (code === null && message.challengeId && this.reissuer) {
        code = await this.dataSource.transaction((manager) => this.reissuer!(message.challengeId!, manager));
      }
      if (code === null) return this.finish(message, { status: 'expired' });
      text = message.bodyTemplate.split('{code}').join(code);
    }
    const to = this.secrets.open(message.destinationCiphertext, `sms:${message.id}`);
    let result;
    try {
      result = await this.sender.send({ to, text, reference: message.id });
    } catch {
      // An adapter that throws is treated as a transient fault; its error text is not kept.
      result = { ok: false as const, retryable: true, reason: 'adapter_error' };
    }
    if (result.ok) return this.finish(message, { status: 'sent' }, result.providerMessageId);
    if (result.retryable && message.attempts < MAX_SEND_ATTEMPTS) {
      return this.finish(message, { status: 'retry', reason: result.reason });
    }
    return this.finish(message, { status: 'failed', reason: result.reason });
  }

  private async finish(message: SmsMessage, outcome: DeliveryOutcome, providerMessageId: string | null = null): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    const patch: Partial<SmsMessage> = { lockedUntil: null, updatedAt: now };
    switch (outcome.status) {
      case 'sent':
        Object.assign(patch, { status: 'sent', sentAt: now, providerMessageId, lastError: null });
        this.codes.delete(message.id);
        break;
      case 'retry': {
        // Exponential backoff: 1 s, 2 s, 4 s, 8 s between attempts.
        const delay = 2 ** Math.max(0, message.attempts - 1) * 1000;
        Object.assign(patch, { status: 'retry', lastError: outcome.reason, nextAttemptAt: new Date(now.getTime() + delay) });
        break;
      }
      case 'failed':
        Object.assign(patch, { status: 'failed', lastError: outcome.reason });
        this.codes.delete(message.id);
        break;
      case 'expired':
        Object.assign(patch, { status: 'expired' });
        this.codes.delete(message.id);
        break;
    }
    await this.dataSource.manager.update(SmsMessage, { id: message.id }, patch);
    smsMessagesTotal.inc({ provider: message.provider, country: message.destinationCountry, status: patch.status ?? 'unknown' });
    if (message.kind === 'otp' && outcome.status === 'sent') await this.monitor.afterSmsSent(message.destinationCountry);
    if (message.kind === 'otp' && (outcome.status === 'sent' || outcome.status === 'failed')) {
      await this.audit.record({
        type: outcome.status === 'sent' ? 'mfa.code.sent' : 'mfa.code.send_failed',
        userId: message.userId,
        metadata: {
          challengeId: message.challengeId,
          destination: message.destinationMasked,
          country: message.destinationCountry,
          provider: message.provider,
          attempt: message.attempts,
          ...(outcome.status === 'failed' ? { reason: outcome.reason } : {}),
        },
      });
    }
    return outcome;
  }
}
