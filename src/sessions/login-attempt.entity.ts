import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';
import type { MfaPurpose } from '../vocabulary/assurance.js';

/**
 * The server side of an mfaToken: its `jti` is this row's id. The token is
 * only good while the row is unconsumed and unexpired, so it is single use
 * even though it is a JWT.
 */
@Entity({ name: 'login_attempts' })
@Index('login_attempts_user_id_idx', ['userId'])
export class LoginAttempt {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'text' })
  purpose: MfaPurpose;

  /** Step-up upgrades this existing session instead of creating one. */
  @Column({ type: 'uuid', name: 'session_id', nullable: true })
  sessionId: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', name: 'consumed_at', nullable: true })
  consumedAt: Date | null;

  /** Second-factor attempts made with this token, across factors; reserved before any code is compared. */
  @Column({ type: 'integer', name: 'verify_attempts', default: 0 })
  verifyAttempts: number;
}
