import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/database.js';
import type { EmailMessage, EmailMessageStatus } from './email-message.entity.js';

const COLUMNS = [
  'id',
  'user_id',
  'kind',
  'locale',
  'content',
  'recipient_ciphertext',
  'recipient_masked',
  'secret_ciphertext',
  'provider',
  'provider_message_id',
  'status',
  'attempts',
  'next_attempt_at',
  'locked_until',
  'expires_at',
  'last_error',
  'created_at',
  'sent_at',
  'updated_at',
] as const;

const CASTS = ['uuid', 'uuid', 'text', 'text', 'jsonb', 'text', 'text', 'text', 'text', 'text', 'text', 'int', 'timestamptz', 'timestamptz', 'timestamptz', 'text', 'timestamptz', 'timestamptz', 'timestamptz'];

type Row = Record<(typeof COLUMNS)[number], unknown>;

function valuesOf(m: EmailMessage): unknown[] {
  return [
    m.id,
    m.userId,
    m.kind,
    m.locale,
    m.content,
    m.recipientCiphertext,
    m.recipientMasked,
    m.secretCiphertext,
    m.provider,
    m.providerMessageId,
    m.status,
    m.attempts,
    m.nextAttemptAt,
    m.lockedUntil,
    m.expiresAt,
    m.lastError,
    m.createdAt,
    m.sentAt,
    m.updatedAt,
  ];
}

function toMessage(r: Row): EmailMessage {
  return {
    id: r.id as string,
    userId: r.user_id as string | null,
    kind: r.kind as EmailMessage['kind'],
    locale: r.locale as string,
    content: r.content as EmailMessage['content'],
    recipientCiphertext: r.recipient_ciphertext as string,
    recipientMasked: r.recipient_masked as string,
    secretCiphertext: r.secret_ciphertext as string | null,
    provider: r.provider as string,
    providerMessageId: r.provider_message_id as string | null,
    status: r.status as EmailMessageStatus,
    attempts: r.attempts as number,
    nextAttemptAt: r.next_attempt_at as Date,
    lockedUntil: r.locked_until as Date | null,
    expiresAt: r.expires_at as Date | null,
    lastError: r.last_error as string | null,
    createdAt: r.created_at as Date,
    sentAt: r.sent_at as Date | null,
    updatedAt: r.updated_at as Date,
  };
}

/**
 * The INSERT of one outbox row as a statement another repository can put in
 * a CTE (a reset token and its email are one statement). Placeholders start
 * at `offset + 1`; with `from` (SQL after FROM, e.g. a CTE name), one row is
 * written per row it yields, and `columns` may compute a column from those
 * rows and the message's own value (given as SQL).
 */
export function emailOutboxInsert(
  message: EmailMessage,
  offset: number,
  from?: string,
  columns: Partial<Record<(typeof COLUMNS)[number], (value: string) => string>> = {},
): { text: string; values: unknown[] } {
  const placeholders = COLUMNS.map((c, i) => {
    const value = `$${offset + i + 1}::${CASTS[i]}`;
    return columns[c]?.(value) ?? value;
  }).join(', ');
  const text = from
    ? `INSERT INTO email_messages (${COLUMNS.join(', ')}) SELECT ${placeholders} FROM ${from} RETURNING id`
    : `INSERT INTO email_messages (${COLUMNS.join(', ')}) VALUES (${placeholders}) RETURNING id`;
  return { text, values: valuesOf(message) };
}

/** The SQL of `email_messages`, the email outbox. */
@Injectable()
export class EmailMessagesRepository {
  async insert(sql: Sql, message: EmailMessage): Promise<void> {
    const { text, values } = emailOutboxInsert(message, 0);
    await sql.query(text, values);
  }

  /** Leases due rows (to retry, or abandoned by a dead sender) with `FOR UPDATE SKIP LOCKED`: no row is sent twice at once. */
  async claimDue(sql: Sql, input: { now: Date; leaseUntil: Date; limit: number }): Promise<EmailMessage[]> {
    const rows = await sql.query<Row>(
      `UPDATE email_messages SET status = 'sending', locked_until = $2, attempts = attempts + 1, updated_at = $1
        WHERE id IN (
          SELECT id FROM email_messages
           WHERE (status = 'retry' AND next_attempt_at <= $1) OR (status = 'sending' AND locked_until < $1)
           ORDER BY next_attempt_at
           LIMIT $3
             FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS.join(', ')}`,
      [input.now, input.leaseUntil, input.limit],
    );
    return rows.map(toMessage);
  }

  /** Records a send's outcome; a final outcome erases the sealed secret. */
  async finish(sql: Sql, id: string, patch: { status: EmailMessageStatus; now: Date; providerMessageId: string | null; lastError: string | null; nextAttemptAt: Date | null }): Promise<void> {
    await sql.query(
      `UPDATE email_messages SET status = $2, locked_until = NULL, updated_at = $3,
              sent_at = CASE WHEN $2 = 'sent' THEN $3 ELSE sent_at END,
              provider_message_id = COALESCE($4, provider_message_id), last_error = $5,
              next_attempt_at = COALESCE($6, next_attempt_at),
              secret_ciphertext = CASE WHEN $2 = 'retry' THEN secret_ciphertext ELSE NULL END
        WHERE id = $1`,
      [id, patch.status, patch.now, patch.providerMessageId, patch.lastError, patch.nextAttemptAt],
    );
  }
}
