import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

export type EmailVerificationPurpose = 'verify' | 'change';

/**
 * A mailed link proving an address: the account's own (`verify`, sent at
 * registration) or a new one it is to change to (`change`). By keyed hash
 * only; spent by one conditional UPDATE.
 */
@Entity({ name: 'email_verification_tokens' })
@Index('email_verification_tokens_user_id_idx', ['userId'])
@Index('email_verification_tokens_expires_at_idx', ['expiresAt'])
@Index('email_verification_tokens_token_hash_idx', ['tokenHash'], { unique: true })
export class EmailVerificationToken {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_email_verification_tokens' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_email_verification_tokens_user' })
  user?: User;

  /** The address the link proves (normalised). */
  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  purpose: EmailVerificationPurpose;

  @Column({ type: 'text', name: 'token_hash' })
  tokenHash: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', name: 'used_at', nullable: true })
  usedAt: Date | null;
}
