import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Factor } from '../../factor.entity.js';

export type ChallengePurpose = 'login' | 'enroll' | 'step_up';

/**
 * One SMS one-time-code challenge. The code itself is never stored: only its
 * HMAC keyed with a server secret and bound to this challenge's id.
 */
@Entity({ name: 'sms_challenges' })
@Index('sms_challenges_user_id_created_at_idx', ['userId', 'createdAt'])
@Index('sms_challenges_factor_id_idx', ['factorId'])
export class SmsChallenge {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @Column({ type: 'uuid', name: 'factor_id' })
  factorId: string;

  @ManyToOne(() => Factor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id' })
  factor?: Factor;

  @Column({ type: 'text' })
  purpose: ChallengePurpose;

  /** The login attempt (mfaToken jti) it belongs to; only that token may verify or resend it. */
  @Column({ type: 'uuid', name: 'attempt_id', nullable: true })
  attemptId: string | null;

  /** For enrolment from a signed-in session: the session it belongs to. */
  @Column({ type: 'uuid', name: 'session_id', nullable: true })
  sessionId: string | null;

  @Column({ type: 'text', name: 'code_hash' })
  codeHash: string;

  /** The code before Sesame replaced it after a crash: refused without costing an attempt, never accepted. */
  @Column({ type: 'text', name: 'superseded_code_hash', nullable: true })
  supersededCodeHash: string | null;

  @Column({ type: 'int', name: 'code_length' })
  codeLength: number;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  /** Guesses evaluated so far; incremented before each comparison. */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'int', name: 'max_attempts' })
  maxAttempts: number;

  /** Codes sent for this challenge: 1 + resends. */
  @Column({ type: 'int', default: 1 })
  sends: number;

  @Column({ type: 'int', name: 'max_resends' })
  maxResends: number;

  @Column({ type: 'int', name: 'resend_cooldown_seconds' })
  resendCooldownSeconds: number;

  @Column({ type: 'timestamptz', name: 'last_sent_at' })
  lastSentAt: Date;

  @Column({ type: 'timestamptz', name: 'consumed_at', nullable: true })
  consumedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  /** The first digits of the number the code went to (conversion per prefix); never the whole number. */
  @Column({ type: 'text', name: 'destination_prefix', nullable: true })
  destinationPrefix: string | null;
}
