import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * A password-reset token, by keyed hash only (the token itself is in the
 * email and nowhere else). Single use: spent by one conditional UPDATE. A
 * request for an unknown address (or over the hourly cap) writes a row with
 * no user, which nothing can spend: both cost the same (password-reset.service.ts).
 */
@Entity({ name: 'password_reset_tokens' })
@Index('password_reset_tokens_user_id_idx', ['userId'])
@Index('password_reset_tokens_expires_at_idx', ['expiresAt'])
@Index('password_reset_tokens_token_hash_idx', ['tokenHash'], { unique: true })
export class PasswordResetToken {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_password_reset_tokens' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_password_reset_tokens_user' })
  user?: User;

  @Column({ type: 'text', name: 'token_hash' })
  tokenHash: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', name: 'used_at', nullable: true })
  usedAt: Date | null;
}
