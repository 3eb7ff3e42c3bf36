import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Factor } from '../../factor.entity.js';
import type { ChallengePurpose } from '../sms/sms-challenge.entity.js';

/**
 * One emailed one-time code: its keyed hash (bound to this challenge), its
 * expiry, and its attempts, counted before each comparison. Bound, like an
 * SMS challenge, to the login attempt or the session that asked for it.
 */
@Entity({ name: 'email_challenges' })
@Index('email_challenges_user_id_created_at_idx', ['userId', 'createdAt'])
@Index('email_challenges_factor_id_idx', ['factorId'])
export class EmailChallenge {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_email_challenges' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @Column({ type: 'uuid', name: 'factor_id' })
  factorId: string;

  @ManyToOne(() => Factor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id', foreignKeyConstraintName: 'FK_email_challenges_factor' })
  factor?: Factor;

  @Column({ type: 'text' })
  purpose: ChallengePurpose;

  @Column({ type: 'uuid', name: 'attempt_id', nullable: true })
  attemptId: string | null;

  @Column({ type: 'uuid', name: 'session_id', nullable: true })
  sessionId: string | null;

  @Column({ type: 'text', name: 'code_hash' })
  codeHash: string;

  @Column({ type: 'int', name: 'code_length' })
  codeLength: number;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'int', name: 'max_attempts' })
  maxAttempts: number;

  @Column({ type: 'timestamptz', name: 'consumed_at', nullable: true })
  consumedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
