import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One failed second-factor attempt, whatever the factor. Counted per account
 * over the last hour for the account-level limit (security.md: at most 100
 * failures an hour, with growing delays well before that).
 */
@Entity({ name: 'mfa_failures' })
@Index('mfa_failures_user_id_created_at_idx', ['userId', 'createdAt'])
export class MfaFailure {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @Column({ type: 'text', name: 'factor_type' })
  factorType: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
