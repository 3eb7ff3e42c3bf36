import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { SmsMessage, SmsMessageStatus } from './sms-message.entity.js';

const COLUMNS = [
  'id',
  'user_id',
  'challenge_id',
  'kind',
  'locale',
  'body_template',
  'destination_ciphertext',
  'destination_hash',
  'destination_masked',
  'destination_country',
  'provider',
  'provider_message_id',
  'status',
  'attempts',
  'next_attempt_at',
  'locked_until',
  'last_error',
  'created_at',
  'sent_at',
  'delivered_at',
  'updated_at',
  'excluded_providers',
  'failed_over_at',
] as const;

function valuesOf(m: SmsMessage): unknown[] {
  return [
    m.id,
    m.userId,
    m.challengeId,
    m.kind,
    m.locale,
    m.bodyTemplate,
    m.destinationCiphertext,
    m.destinationHash,
    m.destinationMasked,
    m.destinationCountry,
    m.provider,
    m.providerMessageId,
    m.status,
    m.attempts,
    m.nextAttemptAt,
    m.lockedUntil,
    m.lastError,
    m.createdAt,
    m.sentAt,
    m.deliveredAt,
    m.updatedAt,
    m.excludedProviders,
    m.failedOverAt,
  ];
}

type Row = Record<(typeof COLUMNS)[number], unknown>;

function toMessage(r: Row): SmsMessage {
  return {
    id: r.id as string,
    userId: r.user_id as string | null,
    challengeId: r.challenge_id as string | null,
    kind: r.kind as SmsMessage['kind'],
    locale: r.locale as string,
    bodyTemplate: r.body_template as string,
    destinationCiphertext: r.destination_ciphertext as string,
    destinationHash: r.destination_hash as string,
    destinationMasked: r.destination_masked as string,
    destinationCountry: r.destination_country as string,
    provider: r.provider as string,
    providerMessageId: r.provider_message_id as string | null,
    status: r.status as SmsMessageStatus,
    attempts: r.attempts as number,
    nextAttemptAt: r.next_attempt_at as Date,
    lockedUntil: r.locked_until as Date | null,
    lastError: r.last_error as string | null,
    createdAt: r.created_at as Date,
    sentAt: r.sent_at as Date | null,
    deliveredAt: r.delivered_at as Date | null,
    updatedAt: r.updated_at as Date,
    excludedProviders: (r.excluded_providers as string[] | null) ?? [],
    failedOverAt: r.failed_over_at as Date | null,
  };
}

/**
 * The INSERT of one outbox row as a statement another repository can put in
 * a CTE after its own insert (a challenge and its SMS are one statement, so a
 * crash can never leave one without the other). Placeholders start at `offset + 1`;
 * with `when` (SQL), the row is written only if it holds.
 */
export function outboxInsert(message: SmsMessage, offset: number, when?: string): { text: string; values: unknown[] } {
  const placeholders = COLUMNS.map((_, i) => `$${offset + i + 1}`).join(', ');
  const text = when
    ? `INSERT INTO sms_messages (${COLUMNS.join(', ')}) SELECT ${placeholders} WHERE ${when}`
    : `INSERT INTO sms_messages (${COLUMNS.join(', ')}) VALUES (${placeholders})`;
  return { text, values: valuesOf(message) };
}

/** The SQL of `sms_messages`, the SMS outbox. */
@Injectable()
export class SmsMessagesRepository {
  async insert(sql: Sql, message: SmsMessage): Promise<void> {
    const { text, values } = outboxInsert(message, 0);
    await sql.query(text, values);
  }

  /**
   * Leases due rows (new, to retry, or abandoned by a dead sender) with
   * `FOR UPDATE SKIP LOCKED`, so several instances never send one row twice.
   */
  async claimDue(sql: Sql, input: { now: Date; leaseUntil: Date; limit: number }): Promise<SmsMessage[]> {
    const rows = await sql.query<Row>(
      `UPDATE sms_messages SET status = 'sending', locked_until = $2, attempts = attempts + 1, updated_at = $1
        WHERE id IN (
          SELECT id FROM sms_messages
           WHERE (status IN ('pending', 'retry') AND next_attempt_at <= $1) OR (status = 'sending' AND locked_until < $1)
           ORDER BY next_attempt_at
           LIMIT $3
             FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS.join(', ')}`,
      [input.now, input.leaseUntil, input.limit],
    );
    return rows.map(toMessage);
  }

  /**
   * Takes the recent codes that need a replacement through another provider:
   * those whose receipt said failed, and those still without a receipt
   * `receiptCutoff` after the send from a provider that sends receipts. Each
   * is marked so that it is replaced once (`FOR UPDATE SKIP LOCKED` keeps
   * instances apart). Codes older than `since` have expired anyway.
   */
  async claimFailovers(
    sql: Sql,
    input: { now: Date; since: Date; receiptCutoff: Date; receiptProviders: string[]; limit: number },
  ): Promise<Array<SmsMessage & { failoverReason: 'receipt_failed' | 'receipt_missing' }>> {
    const rows = await sql.query<Row & { failover_reason: 'receipt_failed' | 'receipt_missing' }>(
      `UPDATE sms_messages m SET failed_over_at = $1
         FROM (SELECT id, CASE WHEN status = 'failed' THEN 'receipt_failed' ELSE 'receipt_missing' END AS reason
                 FROM sms_messages
                WHERE kind = 'otp' AND failed_over_at IS NULL AND status IN ('sent', 'failed') AND sent_at > $2
                  AND challenge_id IS NOT NULL
                  AND ((status = 'failed' AND last_error LIKE 'receipt_%')
                       OR (status = 'sent' AND sent_at <= $3 AND provider = ANY($4::text[])))
                ORDER BY sent_at
                LIMIT $5
                  FOR UPDATE SKIP LOCKED) due
        WHERE m.id = due.id
       RETURNING ${COLUMNS.map((c) => `m.${c}`).join(', ')}, due.reason AS failover_reason`,
      [input.now, input.since, input.receiptCutoff, input.receiptProviders, input.limit],
    );
    return rows.map((r) => ({ ...toMessage(r), failoverReason: r.failover_reason }));
  }

  /** The outbox rows of one challenge's codes, newest first (its delivery state). */
  async forChallenge(sql: Sql, challengeId: string): Promise<Array<Pick<SmsMessage, 'status' | 'failedOverAt'>>> {
    const rows = await sql.query<{ status: SmsMessageStatus; failed_over_at: Date | null }>(
      `SELECT status, failed_over_at FROM sms_messages WHERE challenge_id = $1 AND kind = 'otp' ORDER BY created_at DESC LIMIT 10`,
      [challengeId],
    );
    return rows.map((r) => ({ status: r.status, failedOverAt: r.failed_over_at }));
  }

  /** Extends the lease of rows this process is still sending (the heartbeat), so a live sender keeps them. */
  async extendLeases(sql: Sql, ids: string[], leaseUntil: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql.query(`UPDATE sms_messages SET locked_until = $2 WHERE id = ANY($1::uuid[]) AND status = 'sending'`, [ids, leaseUntil]);
  }

  /**
   * The UPDATE that records the outcomes of one or more sends, as text and
   * values (AuditService.recordWith puts their audit rows beside it). One
   * text for any number of messages: the patches travel as arrays.
   */
  finishStatement(finishes: ReadonlyArray<{ id: string; patch: FinishPatch }>): { text: string; values: unknown[] } {
    const column = <T>(pick: (patch: FinishPatch) => T) => finishes.map((f) => pick(f.patch));
    const time = (d: Date | null) => d?.toISOString() ?? null;
    return {
      text: `UPDATE sms_messages m SET status = v.status, locked_until = NULL, updated_at = v.now,
                    sent_at = COALESCE(v.sent_at, m.sent_at), provider_message_id = COALESCE(v.provider_message_id, m.provider_message_id),
                    last_error = v.last_error, next_attempt_at = COALESCE(v.next_attempt_at, m.next_attempt_at), provider = v.provider
               FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
                    AS v(id, status, now, sent_at, provider_message_id, last_error, next_attempt_at, provider)
              WHERE m.id = v.id RETURNING m.id`,
      values: [
        finishes.map((f) => f.id),
        column((p) => p.status),
        column((p) => time(p.now)),
        column((p) => time(p.sentAt)),
        column((p) => p.providerMessageId),
        column((p) => p.lastError),
        column((p) => time(p.nextAttemptAt)),
        column((p) => p.provider),
      ],
    };
  }
}

export interface FinishPatch {
  status: SmsMessageStatus;
  now: Date;
  sentAt: Date | null;
  providerMessageId: string | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  /** The provider that carried (or last tried) the message. */
  provider: string;
}
