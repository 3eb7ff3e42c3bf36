import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type SmsMessageStatus = 'pending' | 'sending' | 'retry' | 'sent' | 'delivered' | 'failed' | 'expired';
export type SmsMessageKind = 'otp' | 'phone_changed' | 'mfa_reset' | 'password_reset';

/**
 * The SMS outbox: every message is a row before it is sent, so a crash
 * between "challenge created" and "SMS sent" loses nothing. The body is kept
 * with the code replaced by a placeholder, the destination encrypted.
 */
@Entity({ name: 'sms_messages' })
@Index('sms_messages_due_idx', ['status', 'nextAttemptAt'])
@Index('sms_messages_user_id_created_at_idx', ['userId', 'createdAt'])
@Index('sms_messages_destination_hash_created_at_idx', ['destinationHash', 'createdAt'])
@Index('sms_messages_provider_message_id_idx', ['providerMessageId'])
@Index('sms_messages_kind_created_at_idx', ['kind', 'createdAt'])
@Index('sms_messages_challenge_id_idx', ['challengeId'], { where: '"challenge_id" IS NOT NULL' })
@Index('sms_messages_failover_idx', ['sentAt'], { where: `"kind" = 'otp' AND "failed_over_at" IS NULL AND "status" IN ('sent', 'failed')` })
export class SmsMessage {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id', nullable: true })
  userId: string | null;

  @Column({ type: 'uuid', name: 'challenge_id', nullable: true })
  challengeId: string | null;

  @Column({ type: 'text' })
  kind: SmsMessageKind;

  @Column({ type: 'text' })
  locale: string;

  /** The text as sent, with the code replaced by `{code}`. */
  @Column({ type: 'text', name: 'body_template' })
  bodyTemplate: string;

  @Column({ type: 'text', name: 'destination_ciphertext' })
  destinationCiphertext: string;

  @Column({ type: 'text', name: 'destination_hash' })
  destinationHash: string;

  @Column({ type: 'text', name: 'destination_masked' })
  destinationMasked: string;

  @Column({ type: 'text', name: 'destination_country' })
  destinationCountry: string;

  @Column({ type: 'text' })
  provider: string;

  @Column({ type: 'text', name: 'provider_message_id', nullable: true })
  providerMessageId: string | null;

  @Column({ type: 'text' })
  status: SmsMessageStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'timestamptz', name: 'next_attempt_at' })
  nextAttemptAt: Date;

  /** While `sending`: when another worker may assume this one died and take over. */
  @Column({ type: 'timestamptz', name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** A short machine-readable cause (`throttled`, `invalid_number`…), never provider text. */
  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @Column({ type: 'timestamptz', name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;

  /** Providers whose receipt said this code did not arrive: its replacement is routed around them. */
  @Column({ type: 'text', array: true, name: 'excluded_providers', default: () => "'{}'" })
  excludedProviders: string[];

  /** When a replacement was queued for this message (a failed or missing receipt). */
  @Column({ type: 'timestamptz', name: 'failed_over_at', nullable: true })
  failedOverAt: Date | null;
}
