import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EmailContent, EmailKind } from './email-templates.js';

/** `suppressed`: written only so that a request costs the same whether or not it sends (password reset for an unknown address); never sent. */
export type EmailMessageStatus = 'sending' | 'retry' | 'sent' | 'failed' | 'expired' | 'suppressed';

/**
 * The email outbox: every message is a row before it is sent, so a crash
 * between the change and the send loses nothing. The text is rendered at send
 * time from `content` (no secret in it); the one-time link or code, when the
 * message has one, is kept sealed (AES-256-GCM) only until the message is sent,
 * given up or past `expires_at`, then erased.
 */
@Entity({ name: 'email_messages' })
@Index('email_messages_due_idx', ['status', 'nextAttemptAt'])
@Index('email_messages_user_id_created_at_idx', ['userId', 'createdAt'])
export class EmailMessage {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_email_messages' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id', nullable: true })
  userId: string | null;

  @Column({ type: 'text' })
  kind: EmailKind;

  @Column({ type: 'text' })
  locale: string;

  @Column({ type: 'jsonb' })
  content: EmailContent;

  @Column({ type: 'text', name: 'recipient_ciphertext' })
  recipientCiphertext: string;

  @Column({ type: 'text', name: 'recipient_masked' })
  recipientMasked: string;

  @Column({ type: 'text', name: 'secret_ciphertext', nullable: true })
  secretCiphertext: string | null;

  @Column({ type: 'text' })
  provider: string;

  @Column({ type: 'text', name: 'provider_message_id', nullable: true })
  providerMessageId: string | null;

  @Column({ type: 'text' })
  status: EmailMessageStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'timestamptz', name: 'next_attempt_at' })
  nextAttemptAt: Date;

  @Column({ type: 'timestamptz', name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** The secret's own expiry: a link that no longer works is not worth sending. */
  @Column({ type: 'timestamptz', name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
